using System.Net;
using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using Portal.Domain.Tenancy;
using Portal.Web.Tests.Support;

namespace Portal.Web.Tests.Common;

/// <summary>
/// The application and environment forms: a form with several bad fields answers with every refusal at once, each next
/// to its field, and changes nothing; help text says what to write, no placeholder looks like a value, required fields
/// are marked.
/// </summary>
public abstract partial class FormValidationScenarios(PortalFixture portal)
{
    private Arrange Arrange => new(portal.Factory);
    private SandboxWorld World => new(portal.Factory);

    private static Dictionary<string, string> GoodApplication(string name) =>
        new()
        {
            ["Name"] = name,
            ["Owner"] = "team-shop",
            ["Image"] = "nginx:1.27",
            ["Port"] = "http:8080",
            ["Replicas"] = "2",
            ["CpuRequest"] = "100m",
            ["CpuLimit"] = "200m",
            ["MemoryRequest"] = "64Mi",
            ["MemoryLimit"] = "128Mi",
        };

    /// <summary>Several bad fields, in the basic part and in three advanced sections.</summary>
    private static Dictionary<string, string> BadApplication(string name) =>
        new(GoodApplication(name))
        {
            ["Image"] = "Nginx:Bad",
            ["Port"] = "http:99999",
            ["Replicas"] = "many",
            ["Owner"] = "",
            ["CpuRequest"] = "lots",
            ["MemoryLimit"] = "",
            ["ReadinessPort"] = "eighty",
            ["Variables"] = "MODE",
        };

    [SkippableFact]
    public async Task A_new_application_with_several_bad_fields_is_refused_with_every_error_next_to_its_field_and_nothing_is_created()
    {
        var (tenant, _, _) = await World.TenantWithQuotaAsync(cpu: "4");
        var developer = await Arrange.SignedInAsync(await Arrange.MemberAsync(tenant, TenantRole.Developer));

        var refused = await developer.PostFormAsync(
            $"/t/{tenant.Slug}/apps/new",
            new Dictionary<string, string>(BadApplication("Orders!"))
        );

        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        var page = await refused.Content.ReadAsStringAsync();
        var errors = FieldErrors(page);
        Assert.Contains("lowercase", At(errors, "Name"));
        Assert.Contains("owner", At(errors, "Owner"));
        Assert.Contains("Repository names are lowercase", At(errors, "Image"));
        Assert.Contains("99999", At(errors, "Port"));
        Assert.Equal(
            "'many' is not a whole number: enter the number of replicas, like 1 or 3.",
            At(errors, "Replicas")
        );
        Assert.Equal(
            "'lots' is not a CPU amount: write cores such as 0.5 or 2, or millicores such as 250m.",
            At(errors, "CpuRequest")
        );
        Assert.Equal("Enter the memory limit: bytes with a unit such as 512Mi or 2Gi.", At(errors, "MemoryLimit"));
        Assert.Equal(
            "'eighty' is not a whole number: enter a port number from 1 to 65535.",
            At(errors, "ReadinessPort")
        );
        Assert.Contains("'MODE' is not a variable", At(errors, "Variables"));
        Assert.Equal(9, errors.Count);
        // The summary counts them, and the sections that hold one are open.
        Assert.Contains("9 problems need attention:", page);
        Assert.Matches("<details[^>]*id=\"section-resources\"[^>]*open", page);
        Assert.Matches("<details[^>]*id=\"section-health\"[^>]*open", page);
        Assert.DoesNotMatch("<details[^>]*id=\"section-config\"[^>]*open", page);
        // What was typed comes back, so that it can be corrected.
        Assert.Contains("value=\"many\"", page);
        Assert.Contains("value=\"lots\"", page);
        Assert.Equal(
            0,
            await Arrange.QueryAsync(db =>
                db.Applications.IgnoreQueryFilters().CountAsync(a => a.TenantId == tenant.Id)
            )
        );
        Assert.Equal(
            0,
            await Arrange.QueryAsync(db =>
                db.AuditEvents.CountAsync(a => a.TenantId == tenant.Id && a.Action.StartsWith("application."))
            )
        );
    }

    [SkippableFact]
    public async Task Saving_an_applications_spec_with_several_bad_fields_shows_every_error_next_to_its_field_and_changes_nothing()
    {
        var (tenant, _, _) = await World.TenantWithQuotaAsync(cpu: "4");
        var developer = await Arrange.SignedInAsync(await Arrange.MemberAsync(tenant, TenantRole.Developer));
        Assert.Equal(
            HttpStatusCode.Redirect,
            (await developer.PostFormAsync($"/t/{tenant.Slug}/apps/new", GoodApplication("orders"))).StatusCode
        );
        var before = await Arrange.QueryAsync(db =>
            db.Applications.IgnoreQueryFilters()
                .Where(a => a.TenantId == tenant.Id)
                .Select(a => new
                {
                    a.SealedSpec,
                    a.Owner,
                    a.UpdatedAt,
                })
                .SingleAsync()
        );

        var refused = await developer.PostFormAsync(
            $"/t/{tenant.Slug}/apps/orders/edit",
            new Dictionary<string, string>(GoodApplication("orders"))
            {
                ["Image"] = "",
                ["Replicas"] = "-2",
                ["CpuLimit"] = "2x",
                ["ServicePort"] = "http",
                ["IngressHost"] = "Not A Host",
            }
        );

        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        var errors = FieldErrors(await refused.Content.ReadAsStringAsync());
        Assert.NotEmpty(At(errors, "Image"));
        Assert.Equal("Replicas cannot be negative; use 0 to stop the application.", At(errors, "Replicas"));
        Assert.Contains("'2x' is not a CPU amount", At(errors, "CpuLimit"));
        Assert.Equal("'http' is not a whole number: enter a port number from 1 to 65535.", At(errors, "ServicePort"));
        Assert.Contains("Not A Host", At(errors, "IngressHost"));
        Assert.Equal(5, errors.Count);
        var after = await Arrange.QueryAsync(db =>
            db.Applications.IgnoreQueryFilters()
                .Where(a => a.TenantId == tenant.Id)
                .Select(a => new
                {
                    a.SealedSpec,
                    a.Owner,
                    a.UpdatedAt,
                })
                .SingleAsync()
        );
        Assert.Equal(before, after);
    }

    [SkippableFact]
    public async Task A_new_environment_with_several_bad_fields_is_refused_with_every_error_next_to_its_field_and_nothing_is_created()
    {
        var (tenant, admin, _) = await World.TenantWithQuotaAsync(cpu: "4");

        var refused = await admin.PostFormAsync(
            $"/t/{tenant.Slug}/environments",
            new()
            {
                ["Name"] = "Prod_1",
                ["Pool"] = "",
                ["Share.CpuRequests"] = "lots",
                ["Share.CpuLimits"] = "2",
                ["Share.MemoryRequests"] = "1Gi",
                ["Share.MemoryLimits"] = "8 gigs",
                ["Share.Storage"] = "10Gi",
                ["Share.Pods"] = "ten",
            }
        );

        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        var errors = FieldErrors(await refused.Content.ReadAsStringAsync());
        Assert.Contains("'Prod_1' is not a valid environment name", At(errors, "Name"));
        Assert.Equal("Choose the pool the environment runs in.", At(errors, "Pool"));
        Assert.Contains("lots", At(errors, "Share.CpuRequests"));
        Assert.Contains("'8 gigs' is not an amount", At(errors, "Share.MemoryLimits"));
        Assert.Contains("ten", At(errors, "Share.Pods"));
        Assert.Equal(5, errors.Count);
        Assert.Equal(
            0,
            await Arrange.QueryAsync(db =>
                db.Environments.IgnoreQueryFilters().CountAsync(e => e.TenantId == tenant.Id)
            )
        );
        Assert.Equal(
            0,
            await Arrange.QueryAsync(db => db.Operations.IgnoreQueryFilters().CountAsync(o => o.TenantId == tenant.Id))
        );
    }

    [SkippableFact]
    public async Task A_bad_environment_name_and_limits_below_the_requests_are_both_shown_at_once()
    {
        var (tenant, admin, pool) = await World.TenantWithQuotaAsync(cpu: "4");

        var refused = await admin.PostFormAsync(
            $"/t/{tenant.Slug}/environments",
            new()
            {
                ["Name"] = "x",
                ["Pool"] = pool,
                ["Share.CpuRequests"] = "2",
                ["Share.CpuLimits"] = "1",
                ["Share.MemoryRequests"] = "1Gi",
                ["Share.MemoryLimits"] = "1Gi",
                ["Share.Storage"] = "10Gi",
                ["Share.Pods"] = "10",
            }
        );

        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        var errors = FieldErrors(await refused.Content.ReadAsStringAsync());
        Assert.Equal("An environment name has 2 to 20 characters; 'x' has 1.", At(errors, "Name"));
        Assert.Equal("The CPU limit (1) is below the CPU request (2).", At(errors, "Share.Share"));
        Assert.Equal(2, errors.Count);
        Assert.Equal(
            0,
            await Arrange.QueryAsync(db =>
                db.Environments.IgnoreQueryFilters().CountAsync(e => e.TenantId == tenant.Id)
            )
        );
    }

    [SkippableFact]
    public async Task The_forms_mark_required_fields_and_explain_them_with_help_text_never_with_placeholders()
    {
        var (tenant, admin, _) = await World.TenantWithQuotaAsync(cpu: "4");

        var create = await (await admin.GetAsync($"/t/{tenant.Slug}/apps/new")).Content.ReadAsStringAsync();
        var environments = await (await admin.GetAsync($"/t/{tenant.Slug}/environments")).Content.ReadAsStringAsync();

        Assert.DoesNotContain("placeholder=", create);
        Assert.DoesNotContain("placeholder=", environments);
        // The basic fields come first, outside the advanced sections, and each required one is marked and described.
        var basic = create[
            create.IndexOf("id=\"section-basic\"", StringComparison.Ordinal)..create.IndexOf(
                "<details",
                StringComparison.Ordinal
            )
        ];
        foreach (var field in new[] { "Name", "Image", "Replicas" })
        {
            Assert.Matches($"<input id=\"{field}\"[^>]*required[^>]*aria-describedby=\"{field}-help\"", basic);
            Assert.Matches(
                $"<label class=\"form-label\" for=\"{field}\">\\s*\\w+\\s*<span "
                    + "class=\"text-danger\" aria-hidden=\"true\">\\*</span>",
                basic
            );
        }
        Assert.Contains("<input id=\"Port\"", basic);
        Assert.DoesNotContain("id=\"CpuRequest\"", basic);
        Assert.Matches("<input id=\"Form_Name\"[^>]*required", environments);
        Assert.Matches("<select id=\"Form_Pool\"[^>]*required", environments);
        Assert.Matches("<input id=\"Share_CpuRequests\"[^>]*required", environments);
    }

    private static string At(Dictionary<string, string> errors, string field) =>
        errors.TryGetValue(field, out var message)
            ? message
            : throw new Xunit.Sdk.XunitException(
                $"No refusal under '{field}'; the page has: "
                    + $"{string.Join(" | ", errors.Select(e => $"{e.Key}: {e.Value}"))}"
            );

    /// <summary>
    /// The refusals under each field of a page, by the field they are for (the messages of one field joined by a
    /// space).
    /// </summary>
    private static Dictionary<string, string> FieldErrors(string html) =>
        FieldError()
            .Matches(html)
            .GroupBy(m => m.Groups["field"].Value)
            .ToDictionary(
                g => g.Key,
                g =>
                    string.Join(
                        " ",
                        g.Select(m =>
                            WebUtility.HtmlDecode(Regex.Replace(m.Groups["message"].Value, "<br ?/?>", " ")).Trim()
                        )
                    )
            );

    [GeneratedRegex(
        "<(?:div|span)[^>]*class=\"[^\"]*field-validation-error[^\"]*\"[^>]*"
            + "data-valmsg-for=\"(?<field>[^\"]+)\"[^>]*>(?<message>.*?)</(?:div|span)>",
        RegexOptions.Singleline
    )]
    private static partial Regex FieldError();
}

[Trait("Database", "Sqlite")]
public sealed class FormValidationOnSqlite(SandboxPortal portal)
    : FormValidationScenarios(portal),
        IClassFixture<SandboxPortal>;

[Trait("Database", "Postgres")]
public sealed class FormValidationOnPostgres(PostgresSandboxPortal portal)
    : FormValidationScenarios(portal),
        IClassFixture<PostgresSandboxPortal>;
