using System.Reflection;
using Microsoft.AspNetCore.Mvc.ApplicationParts;
using Microsoft.AspNetCore.Mvc.Controllers;

namespace Portal.Web.Benchmarks;

/// <summary>
/// Leaves <see cref="BaselinePageController"/> out of MVC unless <c>Portal:Benchmarks:BaselinePage</c> is true, so that
/// a production portal has no such route at all (not even a 403).
/// </summary>
public sealed class BaselinePageSwitch(bool enabled) : IApplicationFeatureProvider<ControllerFeature>
{
    public const string Setting = "Portal:Benchmarks:BaselinePage";

    public void PopulateFeature(IEnumerable<ApplicationPart> parts, ControllerFeature feature)
    {
        if (!enabled)
            feature.Controllers.Remove(typeof(BaselinePageController).GetTypeInfo());
    }
}
