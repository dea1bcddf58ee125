using System.Text.Json.Nodes;
using Portal.Sandbox.Api;
using Portal.Sandbox.Storage;

namespace Portal.Sandbox.Tests.Api;

public sealed class ListPagingTests
{
    private static ResourceStore StoreWith(params (string Namespace, string Name)[] keys)
    {
        var store = new ResourceStore(historySize: 1000);
        foreach (var (ns, name) in keys)
        {
            store.Add(
                ResourceKinds.ConfigMap,
                new JsonObject
                {
                    ["metadata"] = new JsonObject { ["namespace"] = ns, ["name"] = name },
                }
            );
        }
        return store;
    }

    private static string[] Keys(IEnumerable<StoredObject> items) => [.. items.Select(i => i.Key)];

    [Fact]
    public void A_page_resumes_after_the_position_and_runs_on_into_the_next_namespaces()
    {
        var store = StoreWith(("a", "x1"), ("a", "x2"), ("b", "x1"), ("b", "x2"), ("c", "x1"));

        var page = store.ListAfter(ResourceKinds.ConfigMap, null, new ListPosition("a", "x2"), 3);

        Assert.Equal(["b/x1", "b/x2", "c/x1"], Keys(page));
    }

    [Fact]
    public void A_page_resumes_at_the_next_name_when_the_last_one_returned_was_deleted()
    {
        var store = StoreWith(("a", "x1"), ("a", "x2"), ("a", "x3"));
        store.Remove(store.Get(ResourceKinds.ConfigMap, "a", "x2")!);

        var page = store.ListAfter(ResourceKinds.ConfigMap, null, new ListPosition("a", "x2"), 10);

        Assert.Equal(["a/x3"], Keys(page));
    }

    [Fact]
    public void A_namespaced_page_ignores_a_position_in_an_earlier_namespace_and_ends_after_a_later_one()
    {
        var store = StoreWith(("a", "x1"), ("b", "x1"), ("b", "x2"), ("c", "x1"));

        Assert.Equal(
            ["b/x1", "b/x2"],
            Keys(store.ListAfter(ResourceKinds.ConfigMap, "b", new ListPosition("a", "zzz"), 10))
        );
        Assert.Empty(store.ListAfter(ResourceKinds.ConfigMap, "b", new ListPosition("c", ""), 10));
        Assert.Empty(store.ListAfter(ResourceKinds.ConfigMap, "missing", null, 10));
    }

    [Fact]
    public void Pages_of_any_size_together_return_the_whole_list_once_in_order()
    {
        var random = new Random(7);
        var namespaces = new[] { "a", "a-b", "ab", "b", "b0", "kube-system" };
        var keys = Enumerable
            .Range(0, 400)
            .Select(_ =>
                (namespaces[random.Next(namespaces.Length)], $"n{random.Next(1000)}{(random.Next(3) == 0 ? "-x" : "")}")
            )
            .Distinct()
            .ToArray();
        var store = StoreWith(keys);
        var whole = Keys(store.List(ResourceKinds.ConfigMap));

        foreach (var size in new[] { 1, 2, 7, 50, 1000 })
        {
            var paged = new List<StoredObject>();
            ListPosition? after = null;
            List<StoredObject> page;
            do
            {
                page = store.ListAfter(ResourceKinds.ConfigMap, null, after, size);
                paged.AddRange(page);
                after = page.Count > 0 ? ListPosition.Of(page[^1]) : after;
            } while (page.Count == size);

            Assert.Equal(whole, Keys(paged));
        }
        Assert.Equal(keys.Length, whole.Length);
    }
}
