using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Mvc.Filters;
using Microsoft.AspNetCore.Mvc.ModelBinding;
using Microsoft.Extensions.Options;
using Portal.Domain.Builds;
using Portal.Domain.Common;
using Portal.Infrastructure.Builds;

namespace Portal.Web.Builds;

/// <summary>An archive upload as the form sent it: the file, and the recipe chosen (none to detect one).</summary>
public sealed record ArchiveUpload(IFormFile File, string? Recipe);

/// <summary>
/// The archive upload of the page and of the API: the request's body is limited to
/// <see cref="ArchiveOptions.MaxArchiveBytes"/> (and a little for the form's other fields) before anything reads it, a
/// request announcing more is refused before its body is read, and a body that goes past the limit while it streams
/// is refused at the limit: a 2 GiB upload is never read whole, into memory or onto disk.
/// </summary>
internal static class ArchiveUploads
{
    public const string FileField = "archive";
    public const string RecipeField = "recipe";

    /// <summary>Room for the multipart headers and the recipe field beside the archive.</summary>
    private const long FormOverhead = 64 * 1024;

    public static long BodyLimit(ArchiveOptions limits) => limits.MaxArchiveBytes + FormOverhead;

    /// <summary>The upload, or why not: too large, no file, not a form.</summary>
    public static async Task<Result<ArchiveUpload>> ReadAsync(HttpRequest request, CancellationToken ct)
    {
        var limits = request.HttpContext.RequestServices.GetRequiredService<IOptions<ArchiveOptions>>().Value;
        if (request.ContentLength > BodyLimit(limits))
            return BuildArchives.TooLarge(limits.MaxArchiveBytes);
        if (!request.HasFormContentType)
            return Problem.Invalid(
                BuildArchive.Field,
                $"Send the archive as multipart/form-data, in a field named '{FileField}'."
            );
        IFormCollection form;
        try
        {
            form = await request.ReadFormAsync(ct);
        }
        catch (Exception e) when (IsOverTheLimit(e))
        {
            return BuildArchives.TooLarge(limits.MaxArchiveBytes);
        }
        if (form.Files.GetFile(FileField) is not { } file)
            return Problem.Invalid(BuildArchive.Field, "Choose an archive to upload: a zip or a tar.gz file.");
        var recipe = form[RecipeField].ToString();
        return new ArchiveUpload(file, string.IsNullOrWhiteSpace(recipe) ? null : recipe);
    }

    /// <summary>The server's or the form reader's refusal of a body past its limit.</summary>
    private static bool IsOverTheLimit(Exception e) =>
        e is BadHttpRequestException { StatusCode: StatusCodes.Status413PayloadTooLarge }
        || (e is InvalidDataException && e.Message.Contains("limit", StringComparison.OrdinalIgnoreCase));
}

/// <summary>
/// Limits the body of an archive upload before the form is read, as <c>[RequestSizeLimit]</c> does with a constant:
/// the server stops reading past <see cref="ArchiveUploads.BodyLimit"/>, and the form reader takes no more. Model
/// binding is kept off the form, so that the action reads it (and answers a body too large) rather than the binder.
/// </summary>
public sealed class ArchiveUploadLimit(IOptions<ArchiveOptions> options)
    : IAuthorizationFilter,
        IResourceFilter,
        IOrderedFilter
{
    public void OnResourceExecuting(ResourceExecutingContext context)
    {
        context.ValueProviderFactories.RemoveType<FormValueProviderFactory>();
        context.ValueProviderFactories.RemoveType<FormFileValueProviderFactory>();
        context.ValueProviderFactories.RemoveType<JQueryFormValueProviderFactory>();
    }

    public void OnResourceExecuted(ResourceExecutedContext context) { }

    /// <summary>Before the antiforgery check and anything else that might read the form.</summary>
    public int Order => -2000;

    public void OnAuthorization(AuthorizationFilterContext context)
    {
        var limit = ArchiveUploads.BodyLimit(options.Value);
        var http = context.HttpContext;
        if (http.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } body)
            body.MaxRequestBodySize = limit;
        http.Features.Set<IFormFeature>(
            new FormFeature(
                http.Request,
                new Microsoft.AspNetCore.Http.Features.FormOptions
                {
                    MultipartBodyLengthLimit = options.Value.MaxArchiveBytes,
                    ValueCountLimit = 16,
                }
            )
        );
    }
}
