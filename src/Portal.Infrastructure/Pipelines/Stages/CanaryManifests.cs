using k8s.Models;
using Portal.Infrastructure.Applications;

namespace Portal.Infrastructure.Pipelines.Stages;

/// <summary>
/// The canary of an application: a second Deployment "{app}-canary" beside the stable one, rendered as the stable one
/// is (<see cref="ApplicationManifests.Render"/> of the same input: labels, config and secret, pull secret, placement)
/// but running the new image with its own replicas and no autoscaler. Its pods keep the labels the Service selects, so
/// they take a share of the traffic, and add <see cref="TrackLabel"/>=<see cref="Track"/>, which its own selector
/// holds too: the canary never counts the stable pods as its own.
/// </summary>
public static class CanaryManifests
{
    public const string TrackLabel = "portal.io/track";
    public const string Track = "canary";

    public static string Name(string app) => $"{app}-canary";

    /// <summary>Its pods' selector: the application's name label and the canary track.</summary>
    public static string Selector(string app) => $"{ApplicationManifests.NameLabel}={app},{TrackLabel}={Track}";

    /// <summary>A share of the stable replicas, at least one: max(1, round(stable × percent / 100)).</summary>
    public static int Replicas(int stable, int percent) =>
        Math.Max(1, (int)Math.Round(stable * percent / 100.0, MidpointRounding.AwayFromZero));

    /// <summary>
    /// The canary Deployment of the stable one's input (<see cref="DeployedManifests.For"/>) with another image.
    /// </summary>
    public static V1Deployment Render(ManifestInput stable, string image, int replicas)
    {
        var input = stable with
        {
            Spec = stable.Spec.WithAutoscaling(null).WithReplicas(replicas) with { Image = image },
        };
        var deployment = ApplicationManifests.Render(input).Deployment;
        deployment.Metadata.Name = Name(stable.AppName);
        deployment.Metadata.Labels[TrackLabel] = Track;
        deployment.Spec.Selector.MatchLabels[TrackLabel] = Track;
        deployment.Spec.Template.Metadata.Labels[TrackLabel] = Track;
        return deployment;
    }

    /// <summary>Whether a Deployment of the canary's name is the portal's canary of this application.</summary>
    public static bool IsCanary(V1Deployment deployment, string app) =>
        deployment.Metadata.Labels is { } labels
        && labels.TryGetValue(TrackLabel, out var track)
        && track == Track
        && labels.TryGetValue(ApplicationManifests.NameLabel, out var name)
        && name == app;
}
