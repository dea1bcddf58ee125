using Portal.Web.Tests.Support;

namespace Portal.Web.Tests.Pipelines.Stages;

/// <summary>The portal with its sandbox cluster and job server, watching canaries often with a short grace.</summary>
public sealed class CanarySandboxPortal : SandboxPortalOn
{
    protected override DatabaseKind Kind => DatabaseKind.Sqlite;

    protected override IReadOnlyDictionary<string, string?> Settings =>
        new Dictionary<string, string?>(base.Settings)
        {
            ["Portal:Pipelines:Stages:CanaryCheckInterval"] = "00:00:00.200",
            ["Portal:Pipelines:Stages:CanaryReadyGrace"] = "00:00:05",
        };
}
