using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Portal.Sandbox.Api.Protobuf;
using Portal.Sandbox.Common;
using Portal.Sandbox.Disruption;
using Portal.Sandbox.Faults;
using Portal.Sandbox.Hosting;
using Portal.Sandbox.Logs;
using Portal.Sandbox.Metrics;
using Portal.Sandbox.Storage;

namespace Portal.Sandbox.Api;

/// <summary>Routes Kubernetes REST paths to the registry and writes the wire format clients expect.</summary>
internal sealed class KubernetesApi(
    ResourceRegistry registry,
    SandboxOptions options,
    SandboxFaults faults,
    PodLogs logs,
    MetricsApi metrics,
    BootstrapTokens bootstrapTokens
)
{
    private static readonly byte[] NewLine = "\n"u8.ToArray();

    private ResourceStore Store => registry.Store;

    public async Task HandleAsync(HttpContext context)
    {
        try
        {
            await RouteAsync(context);
        }
        catch (ApiException e)
        {
            await WriteJsonAsync(context, e.Code, e.ToStatus());
        }
        catch (Exception e)
            when (e is JsonException or FormatException or InvalidOperationException && !context.Response.HasStarted)
        {
            await WriteJsonAsync(context, 400, ApiException.Status(400, "BadRequest", e.Message));
        }
    }

    private async Task RouteAsync(HttpContext context)
    {
        var segments = (context.Request.Path.Value ?? "").Trim('/').Split('/', StringSplitOptions.RemoveEmptyEntries);
        if (segments.Length == 0)
        {
            await WriteJsonAsync(
                context,
                200,
                new JsonObject { ["paths"] = new JsonArray("/api", "/api/v1", "/apis", "/version", "/healthz") }
            );
            return;
        }
        switch (segments[0])
        {
            case "version":
                await WriteJsonAsync(context, 200, Discovery.Version());
                return;
            case "healthz" or "livez" or "readyz":
                context.Response.ContentType = "text/plain";
                await context.Response.WriteAsync("ok");
                return;
            case "openapi" when segments is [_, "v3"]:
                await WriteJsonAsync(context, 200, OpenApi.Root());
                return;
            case "openapi" when segments.Length > 2 && segments[1] == "v3":
                var document = OpenApi.Document(string.Join('/', segments[2..])) ?? throw NotServed();
                context.Response.ContentType = "application/json";
                await context.Response.Body.WriteAsync(document, context.RequestAborted);
                return;
            case "api" when segments.Length == 1:
                await WriteJsonAsync(context, 200, Discovery.CoreVersions($"{context.Request.Host}"));
                return;
            case "api" when segments.Length == 2 && segments[1] == "v1":
                await WriteJsonAsync(context, 200, Discovery.ResourceList("", "v1")!);
                return;
            case "api" when segments[1] == "v1":
                await HandleResourceAsync(context, "", "v1", segments[2..]);
                return;
            case "apis" when segments.Length == 1:
                await WriteJsonAsync(context, 200, Discovery.GroupList());
                return;
            case "apis" when segments.Length == 2:
                await WriteJsonAsync(context, 200, Discovery.GroupDocument(segments[1]) ?? throw NotServed());
                return;
            case "apis" when segments.Length == 3:
                await WriteJsonAsync(
                    context,
                    200,
                    Discovery.ResourceList(segments[1], segments[2]) ?? throw NotServed()
                );
                return;
            case "apis" when segments[1] == Discovery.MetricsGroup && segments[2] == Discovery.MetricsVersion:
                if (BootstrapTokenId(context) is { } tokenId)
                {
                    var metricsKind = segments.Length > 3 ? segments[^1] : "nodes";
                    throw Forbidden(BootstrapTokens.UserName(tokenId), "list", metricsKind, Discovery.MetricsGroup);
                }
                await metrics.HandleAsync(context, segments[3..]);
                return;
            case "apis":
                await HandleResourceAsync(context, segments[1], segments[2], segments[3..]);
                return;
            default:
                throw NotServed();
        }
    }

    private static ApiException NotServed() => new(404, "NotFound", "the server could not find the requested resource");

    private async Task HandleResourceAsync(HttpContext context, string group, string version, string[] rest)
    {
        ResourceKind? kind;
        string? ns = null,
            name = null,
            subresource = null;
        if (
            rest.Length >= 3
            && rest[0] == "namespaces"
            && ResourceKinds.Find(group, version, rest[2]) is { Namespaced: true } namespacedKind
        )
        {
            kind = namespacedKind;
            ns = rest[1];
            name = rest.ElementAtOrDefault(3);
            subresource = rest.ElementAtOrDefault(4);
        }
        else
        {
            kind = ResourceKinds.Find(group, version, rest[0]) ?? throw NotServed();
            name = rest.ElementAtOrDefault(1);
            subresource = rest.ElementAtOrDefault(2);
            if (kind.Namespaced && name is not null)
            {
                throw NotServed();
            }
        }
        var method = context.Request.Method;
        Authorize(context, kind, ns, name, method, subresource);
        var query = context.Request.Query;
        var dryRun = query.ContainsKey("dryRun");
        switch (method)
        {
            case "GET" when name is null && IsTrue(query["watch"]):
                await WatchAsync(context, kind, ns);
                return;
            case "GET" when name is null:
                await ListAsync(context, kind, ns);
                return;
            case "GET" when subresource is null or "status":
                await WriteObjectAsync(context, 200, registry.Get(kind, ns, name));
                return;
            case "GET" when subresource == "scale" && kind.HasScale:
                await WriteJsonAsync(context, 200, Scale(registry.Get(kind, ns, name)));
                return;
            case "GET" when subresource == "log" && kind == ResourceKinds.Pod:
                await logs.WriteAsync(context, registry.Get(kind, ns, name));
                return;
            case "POST" when subresource == "eviction" && kind == ResourceKinds.Pod && name is not null:
                var evicted = PodEviction.Evict(registry, ns!, name, await ReadObjectAsync(context), dryRun);
                await WriteJsonAsync(context, 201, evicted);
                return;
            case "POST" when name is null:
                var created = registry.Create(kind, ns, await ReadObjectAsync(context), dryRun);
                if (BootstrapTokenId(context) is { } registrar && !dryRun)
                {
                    bootstrapTokens.NodeRegistered(created.Name, registrar);
                }
                await WriteObjectAsync(context, 201, created);
                return;
            case "PUT" when name is not null && subresource is null or "status":
                await WriteObjectAsync(
                    context,
                    200,
                    registry.Update(kind, ns, name!, await ReadObjectAsync(context), subresource == "status", dryRun)
                );
                return;
            case "PATCH" when name is not null && subresource is null or "status":
                var patch = await ReadNodeAsync(context);
                await WriteObjectAsync(
                    context,
                    200,
                    registry.Patch(
                        kind,
                        ns,
                        name!,
                        context.Request.ContentType ?? "",
                        patch,
                        subresource == "status",
                        dryRun
                    )
                );
                return;
            case "PUT" or "PATCH" when name is not null && subresource == "scale" && kind.HasScale:
                await WriteJsonAsync(context, 200, await UpdateScaleAsync(context, kind, ns, name));
                return;
            case "DELETE" when name is not null && subresource is null:
                await DeleteAsync(context, kind, ns, name, dryRun);
                return;
            case "DELETE" when name is null:
                await DeleteCollectionAsync(context, kind, ns);
                return;
            default:
                throw NotServed();
        }
    }

    private static bool IsTrue(string? value) => value is "true" or "1" or "True";

    private static string? BootstrapTokenId(HttpContext context) =>
        context.Items.TryGetValue(BootstrapTokens.IdentityItem, out var id) ? id as string : null;

    private void Authorize(
        HttpContext context,
        ResourceKind kind,
        string? ns,
        string? name,
        string method,
        string? subresource
    )
    {
        var verb = method switch
        {
            "GET" when name is null => IsTrue(context.Request.Query["watch"]) ? "watch" : "list",
            "GET" => "get",
            "POST" => "create",
            "PUT" => "update",
            "PATCH" => "patch",
            _ => name is null ? "deletecollection" : "delete",
        };
        if (BootstrapTokenId(context) is { } tokenId)
        {
            // A bootstrap identity registers its node and keeps it up to date; the node registrar check stands in
            // for the NodeRestriction admission plugin's "only your own node" rule.
            var registersNode = kind == ResourceKinds.Node && name is null && verb == "create" && subresource is null;
            var updatesOwnNode =
                kind == ResourceKinds.Node
                && name is not null
                && verb is "get" or "update" or "patch"
                && subresource is null or "status"
                && bootstrapTokens.Registered(name!, tokenId);
            if (!registersNode && !updatesOwnNode)
            {
                throw Forbidden(
                    BootstrapTokens.UserName(tokenId),
                    verb,
                    kind.Plural,
                    kind.Group,
                    ns,
                    name,
                    subresource
                );
            }
            return;
        }
        if (
            context.Items.TryGetValue(Authentication.ReadOnlyItem, out var readOnly)
            && readOnly is true
            && method != "GET"
        )
        {
            throw Forbidden(Authentication.ReadOnlyUser, verb, kind.Plural, kind.Group, ns, name, subresource);
        }
    }

    /// <summary>The authorizer's refusal, worded as the API server words it.</summary>
    private static ApiException Forbidden(
        string user,
        string verb,
        string plural,
        string group,
        string? ns = null,
        string? name = null,
        string? subresource = null
    )
    {
        var resource = subresource is null ? plural : $"{plural}/{subresource}";
        var where = ns is null ? "at the cluster scope" : $"in the namespace \"{ns}\"";
        var who = $"User \"{user}\" cannot {verb} resource \"{resource}\" in API group \"{group}\" {where}";
        var details = new JsonObject { ["name"] = name ?? "" };
        if (group.Length > 0)
        {
            details["group"] = group;
        }
        details["kind"] = plural;
        var groupResource = group.Length == 0 ? plural : $"{plural}.{group}";
        return new ApiException(
            403,
            "Forbidden",
            name is null ? $"{groupResource} is forbidden: {who}" : $"{groupResource} \"{name}\" is forbidden: {who}",
            details
        );
    }

    private async Task ListAsync(HttpContext context, ResourceKind kind, string? ns)
    {
        var query = context.Request.Query;
        var labels = LabelSelector.Parse(query["labelSelector"]);
        var fields = FieldSelector.Parse(query["fieldSelector"]);
        var limit = int.TryParse(query["limit"], out var l) && l > 0 ? l : int.MaxValue;
        var resourceVersion = Store.ResourceVersion;
        ListPosition? after = null;
        if (query["continue"].ToString() is { Length: > 0 } token)
        {
            (var tokenVersion, after) = ContinueToken.Decode(token);
            if (tokenVersion < Store.OldestResumableVersion)
            {
                throw ApiException.Gone(
                    "The provided continue parameter is too old to display a consistent "
                        + "list result. You can start a new list without the continue parameter."
                );
            }
        }
        // Objects are read in chunks from where the last page ended, so a page costs what it returns plus what the
        // selectors skip, and the selectors run outside the store's lock. An unpaged list is one chunk: a snapshot.
        var chunkSize = limit == int.MaxValue ? int.MaxValue : Math.Max(limit, 255) + 1;
        var page = new List<StoredObject>();
        var more = false;
        while (!more)
        {
            var chunk = Store.ListAfter(kind, ns, after, chunkSize);
            foreach (var item in chunk)
            {
                if (!Matches(item, labels, fields))
                {
                    continue;
                }
                if (page.Count == limit)
                {
                    more = true;
                    break;
                }
                page.Add(item);
            }
            if (chunk.Count < chunkSize)
            {
                break;
            }
            after = ListPosition.Of(chunk[^1]);
        }
        var metadata = new JsonObject { ["resourceVersion"] = resourceVersion.ToString(CultureInfo.InvariantCulture) };
        if (more)
        {
            metadata["continue"] = ContinueToken.Encode(resourceVersion, page[^1]);
            // As the API server: counted for a page that stops short of the end, unless a selector leaves the count
            // unknown without reading every object that is left. Clients show "the first 10 of 2,000" by it.
            if (labels.IsEmpty && fields.IsEmpty)
            {
                metadata["remainingItemCount"] = Store.CountAfter(kind, ns, ListPosition.Of(page[^1]));
            }
        }
        if (TablePrinter.Wants(context.Request.Headers.Accept))
        {
            var table = TablePrinter.Print(
                kind,
                page,
                registry.Time.GetUtcNow(),
                context.Request.Query["includeObject"] == "Object",
                metadata
            );
            await WriteJsonAsync(context, 200, table);
            return;
        }
        context.Response.StatusCode = 200;
        context.Response.ContentType = "application/json";
        var writer = context.Response.BodyWriter;
        var head =
            $"{{\"kind\":\"{kind.Kind}List\",\"apiVersion\":\""
            + $"{kind.ApiVersion}\",\"metadata\":{Json.ToText(metadata)},\"items\":[";
        writer.Write(Encoding.UTF8.GetBytes(head));
        for (var i = 0; i < page.Count; i++)
        {
            if (i > 0)
            {
                writer.Write(","u8);
            }
            writer.Write(page[i].Json);
            if (writer.UnflushedBytes > 64 * 1024)
            {
                await writer.FlushAsync(context.RequestAborted);
            }
        }
        writer.Write("]}"u8);
        await writer.FlushAsync(context.RequestAborted);
    }

    private async Task WatchAsync(HttpContext context, ResourceKind kind, string? ns)
    {
        var query = context.Request.Query;
        var labels = LabelSelector.Parse(query["labelSelector"]);
        var fields = FieldSelector.Parse(query["fieldSelector"]);
        var bookmarks = IsTrue(query["allowWatchBookmarks"]);
        var timeout =
            int.TryParse(query["timeoutSeconds"], out var seconds) && seconds > 0
                ? TimeSpan.FromSeconds(seconds)
                : options.DefaultWatchTimeout;
        var versionText = query["resourceVersion"].ToString();
        long? after =
            versionText is "" or "0" ? null
            : long.TryParse(versionText, out var v) ? v
            : throw ApiException.BadRequest($"invalid resource version: {versionText}");

        context.Response.StatusCode = 200;
        context.Response.ContentType = "application/json";
        ChangeSubscription subscription;
        List<ChangeEvent> backlog;
        List<StoredObject> initial = [];
        try
        {
            if (faults.ExpireWatches || after is not null && faults.TakeWatchExpiry(context.Request.Path.Value ?? ""))
            {
                faults.Expiring();
                throw new ResourceVersionTooOldException(after ?? 0, Store.ResourceVersion);
            }
            lock (Store.SyncRoot)
            {
                subscription = Store.Subscribe(kind, ns, after, options.WatchBufferSize, out backlog);
                if (after is null)
                {
                    initial = Store.List(kind, ns);
                }
            }
        }
        catch (ResourceVersionTooOldException e)
        {
            var status = ApiException.Status(410, "Expired", $"too old resource version: {e.Requested} ({e.Oldest})");
            await WriteEventAsync(context, "ERROR", Json.ToBytes(status));
            return;
        }

        using var _ = subscription;
        // RequestAborted also fires when the sandbox stops (see SandboxCluster), so the stream does not hold up
        // shutdown.
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(
            context.RequestAborted,
            faults.WatchesDropped
        );
        deadline.CancelAfter(faults.DropWatchAfter is { } drop && drop < timeout ? drop : timeout);
        var token = deadline.Token;
        var sent = 0;
        var dropAfter = faults.DropWatchAfterEvents;
        var lastVersion = after ?? Store.ResourceVersion;
        try
        {
            await context.Response.StartAsync(token);
            await context.Response.Body.FlushAsync(token);
            foreach (var item in initial)
            {
                if (Matches(item, labels, fields))
                {
                    await WriteEventAsync(context, "ADDED", item.Json, token);
                    if (++sent >= dropAfter)
                    {
                        return;
                    }
                }
            }
            foreach (var change in backlog)
            {
                if (await SendChangeAsync(context, change, labels, fields, token))
                {
                    lastVersion = change.ResourceVersion;
                    if (++sent >= dropAfter)
                    {
                        return;
                    }
                }
            }
            var reader = subscription.Reader;
            while (!token.IsCancellationRequested)
            {
                while (reader.TryRead(out var change))
                {
                    lastVersion = change.ResourceVersion;
                    if (await SendChangeAsync(context, change, labels, fields, token) && ++sent >= dropAfter)
                    {
                        return;
                    }
                }
                var wait = reader.WaitToReadAsync(token).AsTask();
                var finished = await Task.WhenAny(wait, Task.Delay(options.BookmarkInterval, token));
                if (finished == wait)
                {
                    if (!await wait)
                    {
                        return;
                    }
                    continue;
                }
                if (bookmarks)
                {
                    long version;
                    lock (Store.SyncRoot)
                    {
                        version = reader.TryPeek(out var pending) ? pending.ResourceVersion - 1 : Store.ResourceVersion;
                    }
                    lastVersion = Math.Max(lastVersion, version);
                    var bookmark = new JsonObject
                    {
                        ["kind"] = kind.Kind,
                        ["apiVersion"] = kind.ApiVersion,
                        ["metadata"] = new JsonObject
                        {
                            ["resourceVersion"] = lastVersion.ToString(CultureInfo.InvariantCulture),
                        },
                    };
                    await WriteEventAsync(context, "BOOKMARK", Json.ToBytes(bookmark), token);
                }
            }
        }
        catch (OperationCanceledException)
        {
            // The watch ends when its timeout passes or the client goes away; both are normal.
        }
    }

    private static bool Matches(StoredObject item, LabelSelector labels, FieldSelector fields) =>
        (labels.IsEmpty || labels.Matches(item.Labels)) && (fields.IsEmpty || fields.Matches(item));

    /// <summary>Sends one change, turning selector transitions into ADDED/DELETED as the API server does.</summary>
    private static async Task<bool> SendChangeAsync(
        HttpContext context,
        ChangeEvent change,
        LabelSelector labels,
        FieldSelector fields,
        CancellationToken token
    )
    {
        var now = Matches(change.Object, labels, fields);
        string? type = change.Type switch
        {
            ChangeType.Added => now ? "ADDED" : null,
            ChangeType.Deleted => now ? "DELETED" : null,
            _ => (change.Previous is not null && Matches(change.Previous, labels, fields), now) switch
            {
                (true, true) => "MODIFIED",
                (false, true) => "ADDED",
                (true, false) => "DELETED",
                _ => null,
            },
        };
        if (type is null)
        {
            return false;
        }
        await WriteEventAsync(context, type, change.Object.Json, token);
        return true;
    }

    private static async Task WriteEventAsync(
        HttpContext context,
        string type,
        byte[] objectJson,
        CancellationToken token = default
    )
    {
        var writer = context.Response.BodyWriter;
        writer.Write(Encoding.UTF8.GetBytes($"{{\"type\":\"{type}\",\"object\":"));
        writer.Write(objectJson);
        writer.Write("}"u8);
        writer.Write(NewLine);
        await writer.FlushAsync(token);
    }

    private async Task DeleteAsync(HttpContext context, ResourceKind kind, string? ns, string name, bool dryRun)
    {
        var policy = context.Request.Query["propagationPolicy"].ToString();
        if (context.Request.ContentLength is > 0 || context.Request.Headers.TransferEncoding.Count > 0)
        {
            var body = await ReadNodeAsync(context);
            policy = body.Str("propagationPolicy") ?? (body.Bool("orphanDependents") == true ? "Orphan" : policy);
        }
        var deleted = registry.Delete(kind, ns, name, policy.Length == 0 ? null : policy, dryRun);
        // As the API server does: these registries answer a delete with the object deleted, the others with a Status.
        if (
            kind == ResourceKinds.Pod
            || kind == ResourceKinds.Namespace
            || kind == ResourceKinds.Service
            || kind == ResourceKinds.PersistentVolumeClaim
        )
        {
            await WriteObjectAsync(context, 200, deleted);
            return;
        }
        var details = new JsonObject { ["name"] = name };
        if (kind.Group.Length > 0)
        {
            details["group"] = kind.Group;
        }
        details["kind"] = kind.Plural;
        details["uid"] = deleted.Uid;
        await WriteJsonAsync(
            context,
            200,
            new JsonObject
            {
                ["kind"] = "Status",
                ["apiVersion"] = "v1",
                ["metadata"] = new JsonObject(),
                ["status"] = "Success",
                ["details"] = details,
            }
        );
    }

    private async Task DeleteCollectionAsync(HttpContext context, ResourceKind kind, string? ns)
    {
        var labels = LabelSelector.Parse(context.Request.Query["labelSelector"]);
        var fields = FieldSelector.Parse(context.Request.Query["fieldSelector"]);
        var deleted = new List<StoredObject>();
        foreach (var item in Store.List(kind, ns).Where(i => Matches(i, labels, fields)))
        {
            deleted.Add(registry.Delete(kind, item.Namespace.Length == 0 ? null : item.Namespace, item.Name));
        }
        context.Response.StatusCode = 200;
        context.Response.ContentType = "application/json";
        var writer = context.Response.BodyWriter;
        writer.Write(
            Encoding.UTF8.GetBytes(
                $"{{\"kind\":\"{kind.Kind}List\",\"apiVersion\":\""
                    + $"{kind.ApiVersion}\",\"metadata\":{{\"resourceVersion\":\""
                    + $"{Store.ResourceVersion}\"}},\"items\":["
            )
        );
        for (var i = 0; i < deleted.Count; i++)
        {
            if (i > 0)
            {
                writer.Write(","u8);
            }
            writer.Write(deleted[i].Json);
        }
        writer.Write("]}"u8);
        await writer.FlushAsync(context.RequestAborted);
    }

    private static JsonObject Scale(StoredObject target)
    {
        var obj = target.Parse();
        var metadata = obj.Obj("metadata")!;
        return new JsonObject
        {
            ["kind"] = "Scale",
            ["apiVersion"] = "autoscaling/v1",
            ["metadata"] = new JsonObject
            {
                ["name"] = metadata.Str("name"),
                ["namespace"] = metadata.Str("namespace"),
                ["uid"] = metadata.Str("uid"),
                ["resourceVersion"] = metadata.Str("resourceVersion"),
                ["creationTimestamp"] = metadata.Str("creationTimestamp"),
            },
            ["spec"] = new JsonObject { ["replicas"] = obj.Long("spec", "replicas") ?? 0 },
            ["status"] = new JsonObject
            {
                ["replicas"] = obj.Long("status", "replicas") ?? 0,
                ["selector"] = LabelSelector.FromObject(obj.Obj("spec", "selector")).ToString(),
            },
        };
    }

    private async Task<JsonObject> UpdateScaleAsync(HttpContext context, ResourceKind kind, string? ns, string name)
    {
        var body = await ReadNodeAsync(context);
        lock (Store.SyncRoot)
        {
            var current = registry.Get(kind, ns, name);
            var scale =
                context.Request.Method == "PUT"
                    ? body as JsonObject ?? throw ApiException.BadRequest("expected a Scale object")
                    : Patching.ObjectPatches.Apply(Scale(current), context.Request.ContentType ?? "", body);
            var requestedVersion = scale.Str("metadata", "resourceVersion");
            if (
                !string.IsNullOrEmpty(requestedVersion)
                && requestedVersion != current.ResourceVersion.ToString(CultureInfo.InvariantCulture)
            )
            {
                throw ApiException.Conflict(kind, name);
            }
            var replicas = scale.Long("spec", "replicas") ?? 0;
            if (replicas < 0)
            {
                throw ApiException.Invalid(
                    ResourceKinds.All.First(k => k == kind),
                    name,
                    [
                        new FieldError(
                            "spec.replicas",
                            "FieldValueInvalid",
                            $"Invalid value: {replicas}: must be greater than or equal to 0"
                        ),
                    ]
                );
            }
            var updated = registry.Mutate(kind, ns, name, o =>
            {
                o.Ensure("spec")["replicas"] = replicas;
                return true;
            })!;
            return Scale(updated);
        }
    }

    private static async Task<JsonNode?> ReadNodeAsync(HttpContext context)
    {
        var contentType = context.Request.ContentType ?? "";
        var mediaType = contentType.Split(';')[0].Trim();
        var protobuf = mediaType == ProtobufBody.MediaType;
        if (
            context.Request.Method is "POST" or "PUT" or "DELETE"
            && !protobuf
            && mediaType is not ("" or "application/json" or "*/*")
        )
        {
            throw ApiException.UnsupportedBodyMediaType(contentType);
        }
        using var buffer = new MemoryStream();
        await context.Request.Body.CopyToAsync(buffer, context.RequestAborted);
        if (buffer.Length == 0)
        {
            return null;
        }
        if (protobuf)
        {
            return ProtobufBody.Decode(buffer.GetBuffer().AsSpan(0, (int)buffer.Length));
        }
        try
        {
            return JsonNode.Parse(buffer.GetBuffer().AsSpan(0, (int)buffer.Length));
        }
        catch (JsonException e)
        {
            throw ApiException.BadRequest($"the object provided is unrecognized or malformed: {e.Message}");
        }
    }

    private static async Task<JsonObject> ReadObjectAsync(HttpContext context) =>
        await ReadNodeAsync(context) as JsonObject
        ?? throw ApiException.BadRequest("the request body must be a JSON object");

    private async Task WriteObjectAsync(HttpContext context, int code, StoredObject item)
    {
        if (TablePrinter.Wants(context.Request.Headers.Accept))
        {
            var metadata = new JsonObject
            {
                ["resourceVersion"] = item.ResourceVersion.ToString(CultureInfo.InvariantCulture),
            };
            await WriteJsonAsync(
                context,
                code,
                TablePrinter.Print(
                    item.Kind,
                    [item],
                    registry.Time.GetUtcNow(),
                    context.Request.Query["includeObject"] == "Object",
                    metadata
                )
            );
            return;
        }
        context.Response.StatusCode = code;
        context.Response.ContentType = "application/json";
        await context.Response.Body.WriteAsync(item.Json, context.RequestAborted);
    }

    internal static async Task WriteJsonAsync(HttpContext context, int code, JsonNode body)
    {
        if (context.Response.HasStarted)
        {
            return;
        }
        context.Response.StatusCode = code;
        context.Response.ContentType = "application/json";
        await context.Response.Body.WriteAsync(Json.ToBytes(body), context.RequestAborted);
    }
}

/// <summary>
/// Opaque list continuation: the list's resourceVersion and the namespace and name of the last object returned.
/// </summary>
internal static class ContinueToken
{
    private const char Separator = '\u0000';

    public static string Encode(long resourceVersion, StoredObject last) =>
        Convert.ToBase64String(
            Encoding.UTF8.GetBytes(
                Json.ToText(
                    new JsonObject
                    {
                        ["v"] = "meta.k8s.io/v1",
                        ["rv"] = resourceVersion,
                        ["start"] = last.Namespace + Separator + last.Name,
                    }
                )
            )
        );

    public static (long ResourceVersion, ListPosition After) Decode(string token)
    {
        try
        {
            var node = JsonNode.Parse(Convert.FromBase64String(token));
            var start = node.Str("start") ?? "";
            var separator = start.IndexOf(Separator, StringComparison.Ordinal);
            // A key without a separator sorts before every name in the namespace it names.
            var after =
                separator < 0
                    ? new ListPosition(start, "")
                    : new ListPosition(start[..separator], start[(separator + 1)..]);
            return (node.Long("rv") ?? 0, after);
        }
        catch (Exception e) when (e is FormatException or JsonException)
        {
            throw ApiException.BadRequest(
                "continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)"
            );
        }
    }
}
