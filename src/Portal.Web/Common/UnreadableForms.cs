using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.Filters;
using Microsoft.AspNetCore.Mvc.ModelBinding;

namespace Portal.Web.Common;

/// <summary>
/// A form body that cannot be read (a truncated multipart body, a NUL in a field, a key past the reader's limits) is
/// answered 400 before model binding. Left to the binder, reading it throws out of the action (a 500) or leaves
/// the action's form null. Endpoints that read their form themselves (an archive upload) take the binder's readers away
/// first and are left alone.
/// </summary>
public sealed class UnreadableForms : IAsyncResourceFilter, IOrderedFilter
{
    /// <summary>After the filters that take the form readers away or set the body's limits.</summary>
    public int Order => 1000;

    public async Task OnResourceExecutionAsync(ResourceExecutingContext context, ResourceExecutionDelegate next)
    {
        var request = context.HttpContext.Request;
        if (
            request.HasFormContentType
            // An error page re-executed for such a request reads nothing of it.
            && context.HttpContext.Features.Get<IStatusCodeReExecuteFeature>() is null
            && context.HttpContext.Features.Get<IExceptionHandlerFeature>() is null
            && context.ValueProviderFactories.Any(f => f is FormValueProviderFactory or FormFileValueProviderFactory)
        )
        {
            try
            {
                await request.ReadFormAsync(context.HttpContext.RequestAborted);
            }
            catch (Exception unreadable)
                when (unreadable is InvalidDataException or BadHttpRequestException
                    || (unreadable is IOException && !context.HttpContext.RequestAborted.IsCancellationRequested)
                )
            {
                context.Result = new BadRequestResult();
                return;
            }
        }
        await next();
    }
}
