using System.Globalization;
using System.Text.Json.Nodes;
using Portal.SandboxCloud.Hosting;

namespace Portal.SandboxCloud.OpenStack;

/// <summary>
/// The subsets of Glance (image API v2: the image list, paged by marker as Glance pages it) and Neutron (networking
/// API v2.0: networks and security groups) the portal reads, in their shapes, behind the same token check.
/// </summary>
internal sealed class GlanceAndNeutronEmulation(OpenStackEmulator emulator, EmulatedCloud cloud)
{
    private const int GlanceDefaultLimit = 25;

    public void Map(WebApplication app)
    {
        app.MapGet("/{region}/image/v2/images", (HttpContext http, string region) =>
            Guarded(http, region, glance: true, () => Images(http))
        );
        app.MapGet("/{region}/network/v2.0/networks", (HttpContext http, string region) =>
            Guarded(http, region, glance: false, Networks)
        );
        app.MapGet("/{region}/network/v2.0/security-groups", (HttpContext http, string region) =>
            Guarded(http, region, glance: false, SecurityGroups)
        );
    }

    private IResult Guarded(HttpContext http, string region, bool glance, Func<IResult> handle)
    {
        if (emulator.Unauthenticated(http) is { } refused)
            return refused;
        if (!cloud.Regions.ContainsKey(region))
            return Results.NotFound();
        if (cloud.Faults.Throttles())
        {
            http.Response.Headers.RetryAfter = "1";
            return OpenStackEmulator.Json(
                new JsonObject
                {
                    ["overLimit"] = new JsonObject
                    {
                        ["code"] = 429,
                        ["message"] = "This request was rate-limited.",
                        ["retryAfter"] = "1",
                    },
                },
                429
            );
        }
        if (cloud.Faults.Fails())
            return glance
                ? Results.Text(
                    "500 Internal Server Error\n\nThe server has either erred or is incapable of performing the "
                        + "requested operation.\n\n   ",
                    "text/plain",
                    statusCode: 500
                )
                : OpenStackEmulator.Json(
                    new JsonObject
                    {
                        ["NeutronError"] = new JsonObject
                        {
                            ["type"] = "HTTPInternalServerError",
                            ["message"] = "Request Failed: internal server error while processing your request.",
                            ["detail"] = "",
                        },
                    },
                    500
                );
        return handle();
    }

    private IResult Images(HttpContext http)
    {
        var query = http.Request.Query;
        var status = query["status"].ToString();
        var limit = int.TryParse(query["limit"].ToString(), CultureInfo.InvariantCulture, out var asked)
            ? Math.Clamp(asked, 1, 1000)
            : GlanceDefaultLimit;
        var images = cloud.Images.OrderBy(i => i.Key, StringComparer.Ordinal).ToList();
        if (status.Length > 0 && status != "active")
            images = [];
        var marker = query["marker"].ToString();
        if (marker.Length > 0)
        {
            var at = images.FindIndex(i => i.Key == marker);
            if (at < 0)
                return Results.Text(
                    $"400 Bad Request\n\nmarker could not be found.\n\n   ",
                    "text/plain",
                    statusCode: 400
                );
            images = [.. images.Skip(at + 1)];
        }
        var page = images.Take(limit).ToList();
        var body = new JsonObject
        {
            ["images"] = new JsonArray([
                .. page.Select(i => new JsonObject
                {
                    ["id"] = i.Key,
                    ["name"] = i.Value,
                    ["status"] = "active",
                    ["visibility"] = "public",
                    ["disk_format"] = "qcow2",
                    ["container_format"] = "bare",
                    ["min_disk"] = 0,
                    ["min_ram"] = 0,
                    ["protected"] = false,
                    ["tags"] = new JsonArray(),
                    ["self"] = $"/v2/images/{i.Key}",
                    ["file"] = $"/v2/images/{i.Key}/file",
                    ["schema"] = "/v2/schemas/image",
                }),
            ]),
            ["first"] = "/v2/images" + (status.Length > 0 ? $"?status={status}" : ""),
            ["schema"] = "/v2/schemas/images",
        };
        if (images.Count > page.Count && page.Count > 0)
            body["next"] =
                $"/v2/images?marker={Uri.EscapeDataString(page[^1].Key)}&limit={limit}"
                + (status.Length > 0 ? $"&status={Uri.EscapeDataString(status)}" : "");
        return OpenStackEmulator.Json(body);
    }

    private IResult Networks()
    {
        var project = emulator.ProjectId.Replace("-", "", StringComparison.Ordinal);
        return OpenStackEmulator.Json(
            new JsonObject
            {
                ["networks"] = new JsonArray([
                    .. cloud.Networks.Select(name => new JsonObject
                    {
                        ["id"] = OpenStackEmulator.IdOf("network", name),
                        ["name"] = name,
                        ["status"] = "ACTIVE",
                        ["admin_state_up"] = true,
                        ["shared"] = false,
                        ["router:external"] = false,
                        ["mtu"] = 1450,
                        ["subnets"] = new JsonArray(OpenStackEmulator.IdOf("subnet", name)),
                        ["tenant_id"] = project,
                        ["project_id"] = project,
                    }),
                ]),
            }
        );
    }

    private IResult SecurityGroups()
    {
        var project = emulator.ProjectId.Replace("-", "", StringComparison.Ordinal);
        return OpenStackEmulator.Json(
            new JsonObject
            {
                ["security_groups"] = new JsonArray([
                    .. cloud.SecurityGroups.Select(name => new JsonObject
                    {
                        ["id"] = OpenStackEmulator.IdOf("security-group", name),
                        ["name"] = name,
                        ["description"] = "",
                        ["stateful"] = true,
                        ["security_group_rules"] = new JsonArray(),
                        ["tenant_id"] = project,
                        ["project_id"] = project,
                    }),
                ]),
            }
        );
    }
}
