using Microsoft.AspNetCore.Mvc.Controllers;
using Microsoft.AspNetCore.Mvc.Razor;

namespace Portal.Web.Common;

/// <summary>
/// Views live with their feature: a controller in <c>Portal.Web.Tenancy</c> finds its views under
/// <c>/Tenancy/Views/{controller}/</c>, and shared ones under <c>/Shared/Views/</c>.
/// </summary>
internal sealed class FeatureViewLocations : IViewLocationExpander
{
    private const string FeatureKey = "feature";

    public void PopulateValues(ViewLocationExpanderContext context)
    {
        if (context.ActionContext.ActionDescriptor is ControllerActionDescriptor action)
        {
            var ns = action.ControllerTypeInfo.Namespace ?? "";
            context.Values[FeatureKey] = ns.Split('.').Skip(2).FirstOrDefault() ?? "";
        }
    }

    public IEnumerable<string> ExpandViewLocations(
        ViewLocationExpanderContext context,
        IEnumerable<string> viewLocations
    )
    {
        if (context.Values.TryGetValue(FeatureKey, out var feature) && !string.IsNullOrEmpty(feature))
        {
            yield return $"/{feature}/Views/{{1}}/{{0}}.cshtml";
            yield return $"/{feature}/Views/{{0}}.cshtml";
        }
        yield return "/Shared/Views/{0}.cshtml";
    }
}
