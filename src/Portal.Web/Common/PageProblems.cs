using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.ModelBinding;
using Portal.Domain.Common;
using Portal.Domain.Operations;
using Portal.Web.Tenancy;

namespace Portal.Web.Common;

/// <summary>
/// How a page answers a refusal, as <see cref="ApiProblems"/> is how the API does: the one place a
/// <see cref="Problem"/>
/// becomes what a browser gets. A form is shown again with each message next to its field and answers 400; a page
/// that acted redirects with a note of what was done or of why not; and what the page is about being gone is a 404.
/// </summary>
internal static class PageProblems
{
    /// <summary>
    /// The form shown again with the refusal next to its fields (under <paramref name="prefix"/>), as a 400.
    /// </summary>
    public static IActionResult Refused(
        this Controller page,
        Problem problem,
        Func<IActionResult> showAgain,
        string? prefix = null
    ) => page.Refused(problem, showAgain, KeyUnder(prefix));

    /// <summary>As the other, with the form's own name for each field the domain names.</summary>
    public static IActionResult Refused(
        this Controller page,
        Problem problem,
        Func<IActionResult> showAgain,
        Func<string?, string> keyOf
    )
    {
        if (problem.Kind is ProblemKind.NotFound)
            return page.NotFound();
        page.ModelState.AddProblem(problem, keyOf);
        page.Response.StatusCode = StatusCodes.Status400BadRequest;
        return showAgain();
    }

    /// <summary>
    /// The form shown again with the refusal next to its fields (under <paramref name="prefix"/>), as a 400.
    /// </summary>
    public static Task<IActionResult> RefusedAsync(
        this Controller page,
        Problem problem,
        Func<Task<IActionResult>> showAgain,
        string? prefix = null
    ) => page.RefusedAsync(problem, showAgain, KeyUnder(prefix));

    /// <summary>As the other, with the form's own name for each field the domain names.</summary>
    public static async Task<IActionResult> RefusedAsync(
        this Controller page,
        Problem problem,
        Func<Task<IActionResult>> showAgain,
        Func<string?, string> keyOf
    )
    {
        if (problem.Kind is ProblemKind.NotFound)
            return page.NotFound();
        page.ModelState.AddProblem(problem, keyOf);
        page.Response.StatusCode = StatusCodes.Status400BadRequest;
        return await showAgain();
    }

    /// <summary>
    /// Back to a page after an action: a note of what was done, or why not; a 404 when what it acted on is gone.
    /// </summary>
    /// <param name="next">Where a success goes when not back (a list, after a delete).</param>
    public static IActionResult AfterAction(
        this Controller page,
        Problem? refused,
        string done,
        string back,
        string? next = null
    )
    {
        if (refused is { Kind: ProblemKind.NotFound })
            return page.NotFound();
        page.TempData[refused is null ? "Flash" : "Refusal"] = refused?.Message ?? done;
        return page.Redirect(refused is null ? next ?? back : back);
    }

    /// <summary>
    /// After an action that queued an operation: as <see cref="AfterAction"/>, with a banner that follows it.
    /// </summary>
    public static IActionResult AfterQueued(
        this Controller page,
        Result<Operation> queued,
        string done,
        string back,
        string? next = null
    )
    {
        if (queued.Succeeded)
        {
            page.TempData["FlashOperation"] = queued.Value.Id; // read back as a Guid
            page.TempData["FlashTenant"] = page.HttpContext.TenantAccess().Tenant.Slug;
        }
        return page.AfterAction(queued.Problem, $"{done} Follow it under Operations or here.", back, next);
    }

    /// <summary>
    /// The refusal as the answer itself (a file that cannot be made now): the API's status, and the sentence.
    /// </summary>
    public static IActionResult Answer(this Controller page, Problem problem) =>
        problem.Kind is ProblemKind.NotFound
            ? page.NotFound()
            : page.StatusCode(problem.Kind.HttpStatus(), problem.Message);

    /// <summary>Shows a refusal next to the field it concerns, or above the form when it concerns no field.</summary>
    public static void AddProblem(this ModelStateDictionary modelState, Problem problem, string? prefix = null) =>
        modelState.AddProblem(problem, KeyUnder(prefix));

    private static void AddProblem(this ModelStateDictionary modelState, Problem problem, Func<string?, string> keyOf)
    {
        foreach (var cause in problem.Causes)
            modelState.AddProblem(cause, keyOf);
        if (problem.Causes.Count == 0)
            modelState.AddModelError(keyOf(problem.Field), problem.Message);
    }

    private static Func<string?, string> KeyUnder(string? prefix) =>
        field =>
            field is null ? ""
            : prefix is null ? field
            : $"{prefix}.{field}";
}
