using Microsoft.Extensions.Options;
using Portal.Infrastructure.Common;

namespace Portal.Infrastructure.Pipelines.Stages;

/// <summary>
/// Keeps a test stage's HTTP probe from reaching the portal's own network (SSRF): the probed host, an application's
/// ingress host or a URL the pipeline names, must resolve to public addresses unless the operators allowed private
/// targets or listed it in <c>Portal:Pipelines:Stages:AllowedProbeTargets</c>; checked before each attempt and again
/// on the addresses dialled.
/// </summary>
public sealed class ProbeTargetGuard(IOptions<PipelineStageOptions> options)
    : NetworkTargetGuard(
        options.Value.AllowPrivateProbeTargets,
        options.Value.AllowedProbeTargets,
        new TargetWording("probe", "probe", "probe", $"{PipelineStageOptions.Section}:AllowedProbeTargets")
    );
