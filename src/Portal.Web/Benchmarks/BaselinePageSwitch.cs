using System.Reflection;
using Microsoft.AspNetCore.Mvc.ApplicationParts;
using Microsoft.AspNetCore.Mvc.Controllers;

namespace Portal.Web.Benchmarks;

/// <summary>
/// Leaves <see cref="BaselinePageController"/> out of MVC unless <c>Portal:Benchmarks:BaselinePage</c> is true, so that
/// a production portal has no such route at all (not even a 403).
/// </summary>
public sealed class BaselinePageSwitch(IConfiguration configuration) : IApplicationFeatureProvider<ControllerFeature>
{
    public const string Setting = "Portal:Benchmarks:BaselinePage";

    public void PopulateFeature(IEnumerable<ApplicationPart> parts, ControllerFeature feature)
    {
        // Read when MVC gathers its controllers, after every configuration source (a test host's too) is in.
        if (!configuration.GetValue<bool>(Setting))
            feature.Controllers.Remove(typeof(BaselinePageController).GetTypeInfo());
    }
}
