using Microsoft.AspNetCore.Mvc.ModelBinding;
using Portal.Domain.Common;

namespace Portal.Web.Common;

internal static class FormProblems
{
    /// <summary>Shows a refusal next to the field it concerns, or above the form when it concerns no field.</summary>
    public static void AddProblem(this ModelStateDictionary modelState, Problem problem, string? prefix = null)
    {
        foreach (var cause in problem.Causes)
            modelState.AddProblem(cause, prefix);
        if (problem.Causes.Count > 0)
            return;
        var key =
            problem.Field is null ? ""
            : prefix is null ? problem.Field
            : $"{prefix}.{problem.Field}";
        modelState.AddModelError(key, problem.Message);
    }
}
