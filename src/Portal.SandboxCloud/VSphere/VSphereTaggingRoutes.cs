using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using static Portal.SandboxCloud.VSphere.VSphereEmulator;

namespace Portal.SandboxCloud.VSphere;

/// <summary>The emulated vCenter's tagging (<c>/api/cis/tagging/…</c>): categories, tags, and their VMs.</summary>
internal static class VSphereTaggingRoutes
{
    private const string VirtualMachine = "VirtualMachine";

    public static void Map(WebApplication app, VSphereInventory inventory)
    {
        app.MapGet("/api/cis/tagging/category", () =>
            Json(new JsonArray([.. inventory.Categories.Keys.Order().Select(Node)]))
        );
        app.MapGet("/api/cis/tagging/category/{id}", (string id) => CategoryInfo(inventory, id));
        app.MapPost("/api/cis/tagging/category", (HttpRequest r) => CreateCategoryAsync(r.HttpContext, inventory));
        app.MapPost("/api/cis/tagging/tag", (HttpRequest r) => TagActionAsync(r.HttpContext, inventory));
        app.MapGet("/api/cis/tagging/tag/{id}", (string id) => TagInfo(inventory, id));
        app.MapDelete("/api/cis/tagging/tag/{id}", (string id) =>
        {
            if (!inventory.Tags.TryRemove(id, out _))
                return Error(404, "NOT_FOUND", $"The tag '{id}' does not exist.");
            inventory.Attached.TryRemove(id, out _);
            return Results.NoContent();
        });
        app.MapPost("/api/cis/tagging/tag-association", (HttpRequest r) => AssociationAsync(r.HttpContext, inventory));
        app.MapPost("/api/cis/tagging/tag-association/{id}", (HttpContext c, string id) =>
            TagAssociation(c, inventory, id)
        );
    }

    private static IResult CategoryInfo(VSphereInventory inventory, string id) =>
        inventory.Categories.TryGetValue(id, out var category)
            ? Json(
                new JsonObject
                {
                    ["id"] = category.Id,
                    ["name"] = category.Name,
                    ["description"] = category.Description,
                    ["cardinality"] = category.Cardinality,
                    ["associable_types"] = new JsonArray([.. category.Types.Select(Node)]),
                    ["used_by"] = new JsonArray(),
                }
            )
            : Error(404, "NOT_FOUND", $"The category '{id}' does not exist.");

    private static async Task<IResult> CreateCategoryAsync(HttpContext context, VSphereInventory inventory)
    {
        var spec = await BodyAsync(context);
        var name = spec?["name"]?.GetValue<string>();
        var cardinality = spec?["cardinality"]?.GetValue<string>();
        if (string.IsNullOrEmpty(name) || cardinality is not ("SINGLE" or "MULTIPLE"))
            return Error(400, "INVALID_ARGUMENT", "A category needs a name and a SINGLE or MULTIPLE cardinality.");
        lock (inventory.Categories)
        {
            if (inventory.Categories.Values.Any(c => c.Name == name))
                return Error(400, "ALREADY_EXISTS", $"The category '{name}' already exists.");
            var id = $"urn:vmomi:InventoryServiceCategory:{Guid.NewGuid()}:GLOBAL";
            var types = (spec?["associable_types"] as JsonArray ?? [])
                .Select(t => t?.GetValue<string>())
                .OfType<string>()
                .ToArray();
            inventory.Categories[id] = new VSphereInventory.Category(
                id,
                name,
                spec?["description"]?.GetValue<string>() ?? "",
                cardinality,
                types
            );
            return Json(JsonValue.Create(id), 201);
        }
    }

    private static async Task<IResult> TagActionAsync(HttpContext context, VSphereInventory inventory)
    {
        var action = context.Request.Query["action"].ToString();
        var spec = await BodyAsync(context);
        var categoryId = spec?["category_id"]?.GetValue<string>() ?? "";
        if (!inventory.Categories.ContainsKey(categoryId))
            return Error(404, "NOT_FOUND", $"The category '{categoryId}' does not exist.");
        if (action == "list-tags-for-category")
            return Json(
                new JsonArray([
                    .. inventory
                        .Tags.Values.Where(t => t.CategoryId == categoryId)
                        .Select(t => t.Id)
                        .Order()
                        .Select(Node),
                ])
            );
        if (action.Length > 0)
            return Error(400, "INVALID_ARGUMENT", $"The tag action '{action}' is not emulated.");
        var name = spec?["name"]?.GetValue<string>();
        if (string.IsNullOrEmpty(name))
            return Error(400, "INVALID_ARGUMENT", "A tag needs a name.");
        lock (inventory.Tags)
        {
            if (inventory.Tags.Values.Any(t => t.CategoryId == categoryId && t.Name == name))
                return Error(400, "ALREADY_EXISTS", $"The tag '{name}' already exists in the category.");
            var id = $"urn:vmomi:InventoryServiceTag:{Guid.NewGuid()}:GLOBAL";
            inventory.Tags[id] = new VSphereInventory.Tag(
                id,
                name,
                spec?["description"]?.GetValue<string>() ?? "",
                categoryId
            );
            return Json(JsonValue.Create(id), 201);
        }
    }

    private static IResult TagInfo(VSphereInventory inventory, string id) =>
        inventory.Tags.TryGetValue(id, out var tag)
            ? Json(
                new JsonObject
                {
                    ["id"] = tag.Id,
                    ["name"] = tag.Name,
                    ["description"] = tag.Description,
                    ["category_id"] = tag.CategoryId,
                    ["used_by"] = new JsonArray(),
                }
            )
            : Error(404, "NOT_FOUND", $"The tag '{id}' does not exist.");

    private static async Task<IResult> AssociationAsync(HttpContext context, VSphereInventory inventory)
    {
        var action = context.Request.Query["action"].ToString();
        var spec = await BodyAsync(context);
        switch (action)
        {
            case "attach-multiple-tags-to-object":
            {
                var vm = VmOf(spec?["object_id"]);
                if (vm is null || !inventory.Vms.ContainsKey(vm))
                    return Error(404, "NOT_FOUND", $"The object '{vm}' does not exist.");
                var errors = new JsonArray();
                foreach (var tagId in (spec?["tag_ids"] as JsonArray ?? []).Select(t => t?.GetValue<string>()))
                {
                    if (tagId is null || !inventory.Tags.ContainsKey(tagId))
                    {
                        errors.Add(Message($"The tag '{tagId}' does not exist."));
                        continue;
                    }
                    inventory
                        .Attached.GetOrAdd(tagId, _ => new ConcurrentDictionary<string, bool>(StringComparer.Ordinal))
                        .TryAdd(vm, true);
                }
                return Json(new JsonObject { ["success"] = errors.Count == 0, ["error_messages"] = errors });
            }
            case "list-attached-tags":
            {
                var vm = VmOf(spec?["object_id"]);
                return Json(new JsonArray([.. inventory.TagIdsOf(vm ?? "").Select(Node)]));
            }
            case "list-attached-tags-on-objects":
            {
                var result = new JsonArray();
                foreach (var objectId in spec?["object_ids"] as JsonArray ?? [])
                {
                    var vm = VmOf(objectId);
                    if (vm is null)
                        continue;
                    result.Add(
                        new JsonObject
                        {
                            ["object_id"] = new JsonObject { ["type"] = VirtualMachine, ["id"] = vm },
                            ["tag_ids"] = new JsonArray([.. inventory.TagIdsOf(vm).Select(Node)]),
                        }
                    );
                }
                return Json(result);
            }
            default:
                return Error(400, "INVALID_ARGUMENT", $"The tag association action '{action}' is not emulated.");
        }
    }

    private static IResult TagAssociation(HttpContext context, VSphereInventory inventory, string tagId)
    {
        var action = context.Request.Query["action"].ToString();
        if (action != "list-attached-objects")
            return Error(400, "INVALID_ARGUMENT", $"The tag association action '{action}' is not emulated.");
        if (!inventory.Tags.ContainsKey(tagId))
            return Error(404, "NOT_FOUND", $"The tag '{tagId}' does not exist.");
        var vms = inventory.Attached.TryGetValue(tagId, out var attached) ? attached.Keys.Order().ToList() : [];
        return Json(
            new JsonArray([.. vms.Select(vm => (JsonNode)new JsonObject { ["type"] = VirtualMachine, ["id"] = vm })])
        );
    }

    private static string? VmOf(JsonNode? objectId) =>
        objectId?["type"]?.GetValue<string>() == VirtualMachine ? objectId["id"]?.GetValue<string>() : null;

    private static JsonObject Message(string text) =>
        new()
        {
            ["id"] = "com.vmware.sandbox.tagging",
            ["default_message"] = text,
            ["args"] = new JsonArray(),
        };

    private static JsonNode Node(string value) => JsonValue.Create(value);
}
