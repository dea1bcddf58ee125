using System.Collections.Concurrent;
using System.Text.Json.Nodes;

namespace Portal.Infrastructure.Clouds.Providers.VSphere;

/// <summary>
/// The portal's tags on vSphere VMs, through vSphere tagging: one category of the portal's
/// (<see cref="Category"/>, many tags per VM) whose tags are named <c>key=value</c>, so that
/// <c>portal-host=&lt;host&gt;</c> finds a host's VM and <c>managed-by=developer-center</c> lists the portal's VMs.
/// Tag ids are kept per account by name, as vCenter lists a category's tags by id only.
/// </summary>
public sealed class VSphereTagging(VSphereApi api)
{
    public const string Category = "developer-center";

    private readonly ConcurrentDictionary<string, AccountTags> _accounts = new(StringComparer.Ordinal);

    public static string TagName(string key, string value) => $"{key}={value}";

    /// <summary>The ids of these tags, made in the portal's category where vCenter has none yet.</summary>
    public async Task<IReadOnlyList<string>> EnsureAsync(
        CloudAccess access,
        IReadOnlyCollection<string> names,
        CancellationToken ct
    )
    {
        var tags = Of(access);
        var ids = new List<string>();
        foreach (var name in names)
        {
            if (tags.IdByName.TryGetValue(name, out var known))
            {
                ids.Add(known);
                continue;
            }
            await tags.Gate.WaitAsync(ct);
            try
            {
                ids.Add(await FindOrCreateAsync(access, tags, name, ct));
            }
            finally
            {
                tags.Gate.Release();
            }
        }
        return ids;
    }

    /// <summary>The id of the tag of this name in the portal's category, or null when vCenter has none.</summary>
    public async Task<string?> FindAsync(CloudAccess access, string name, CancellationToken ct)
    {
        var tags = Of(access);
        if (tags.IdByName.TryGetValue(name, out var known))
            return known;
        await tags.Gate.WaitAsync(ct);
        try
        {
            await LoadAsync(access, tags, ct);
            return tags.IdByName.GetValueOrDefault(name);
        }
        finally
        {
            tags.Gate.Release();
        }
    }

    /// <summary>The tag's name when it is one of the portal's category, else null.</summary>
    public async Task<string?> NameOfAsync(CloudAccess access, string tagId, CancellationToken ct)
    {
        var tags = Of(access);
        if (tags.NameById.TryGetValue(tagId, out var known))
            return known;
        await tags.Gate.WaitAsync(ct);
        try
        {
            var categoryId = await KnownCategoryIdAsync(access, tags, ct);
            if (categoryId is null)
                return null;
            var tag = await api.GetAsync(access, $"api/cis/tagging/tag/{Uri.EscapeDataString(tagId)}", ct);
            var name = tag?["name"]?.GetValue<string>();
            if (name is null || tag?["category_id"]?.GetValue<string>() != categoryId)
                return null;
            Remember(tags, tagId, name);
            return name;
        }
        finally
        {
            tags.Gate.Release();
        }
    }

    /// <summary>Forgets a tag vCenter no longer has (deleted here or by another portal instance).</summary>
    public void Forget(CloudAccess access, string tagId)
    {
        var tags = Of(access);
        if (tags.NameById.TryRemove(tagId, out var name))
            tags.IdByName.TryRemove(name, out _);
    }

    private async Task<string> FindOrCreateAsync(
        CloudAccess access,
        AccountTags tags,
        string name,
        CancellationToken ct
    )
    {
        if (tags.IdByName.TryGetValue(name, out var known))
            return known;
        var categoryId = await CategoryIdAsync(access, tags, ct);
        try
        {
            var created = await api.PostAsync(
                access,
                "api/cis/tagging/tag",
                new JsonObject
                {
                    ["name"] = name,
                    ["description"] = "Set by the developer center on the VMs it starts.",
                    ["category_id"] = categoryId,
                },
                ct
            );
            var id = created!.GetValue<string>();
            Remember(tags, id, name);
            return id;
        }
        catch (CloudRefusal refusal) when (refusal.ProviderCode == "ALREADY_EXISTS")
        {
            // Another portal instance made it since this one last listed the category.
            await LoadAsync(access, tags, ct);
            if (tags.IdByName.TryGetValue(name, out var made))
                return made;
            throw;
        }
    }

    private async Task LoadAsync(CloudAccess access, AccountTags tags, CancellationToken ct)
    {
        var categoryId = await KnownCategoryIdAsync(access, tags, ct);
        if (categoryId is null)
            return;
        var ids = await api.PostAsync(
            access,
            "api/cis/tagging/tag?action=list-tags-for-category",
            new JsonObject { ["category_id"] = categoryId },
            ct
        );
        var listed = Strings(ids);
        foreach (var gone in tags.NameById.Keys.Except(listed))
            Forget(access, gone);
        foreach (var id in listed.Where(id => !tags.NameById.ContainsKey(id)))
        {
            var tag = await api.GetAsync(access, $"api/cis/tagging/tag/{Uri.EscapeDataString(id)}", ct);
            if (tag?["name"]?.GetValue<string>() is { } name)
                Remember(tags, id, name);
        }
    }

    /// <summary>The portal's category, if vCenter has it: looking tags up makes none.</summary>
    private async Task<string?> KnownCategoryIdAsync(CloudAccess access, AccountTags tags, CancellationToken ct) =>
        tags.CategoryId ??= await FindCategoryAsync(access, ct);

    private async Task<string> CategoryIdAsync(CloudAccess access, AccountTags tags, CancellationToken ct)
    {
        if (await KnownCategoryIdAsync(access, tags, ct) is { } known)
            return known;
        try
        {
            var created = await api.PostAsync(
                access,
                "api/cis/tagging/category",
                new JsonObject
                {
                    ["name"] = Category,
                    ["description"] = "The developer center's tags (key=value) on the VMs it starts.",
                    ["cardinality"] = "MULTIPLE",
                    ["associable_types"] = new JsonArray("VirtualMachine"),
                },
                ct
            );
            return tags.CategoryId = created!.GetValue<string>();
        }
        catch (CloudRefusal refusal) when (refusal.ProviderCode == "ALREADY_EXISTS")
        {
            // Made meanwhile by another portal instance, or by this create whose answer was lost and retried.
            var made = await FindCategoryAsync(access, ct);
            if (made is null)
                throw;
            return tags.CategoryId = made;
        }
    }

    private async Task<string?> FindCategoryAsync(CloudAccess access, CancellationToken ct)
    {
        foreach (var id in Strings(await api.GetAsync(access, "api/cis/tagging/category", ct)))
        {
            var category = await api.GetAsync(access, $"api/cis/tagging/category/{Uri.EscapeDataString(id)}", ct);
            if (category?["name"]?.GetValue<string>() == Category)
                return id;
        }
        return null;
    }

    private static void Remember(AccountTags tags, string id, string name)
    {
        tags.IdByName[name] = id;
        tags.NameById[id] = name;
    }

    private AccountTags Of(CloudAccess access) =>
        _accounts.GetOrAdd($"{access.AccountId}\n{access.Endpoint}", _ => new AccountTags());

    internal static List<string> Strings(JsonNode? array) =>
        (array as JsonArray)?.Select(n => n?.GetValue<string>()).OfType<string>().ToList() ?? [];

    private sealed class AccountTags
    {
        public SemaphoreSlim Gate { get; } = new(1, 1);
        public string? CategoryId { get; set; }
        public ConcurrentDictionary<string, string> IdByName { get; } = new(StringComparer.Ordinal);
        public ConcurrentDictionary<string, string> NameById { get; } = new(StringComparer.Ordinal);
    }
}
