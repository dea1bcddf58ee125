using Microsoft.AspNetCore.SignalR;
using Portal.Infrastructure.Audit;

namespace Portal.Web.Identity;

/// <summary>A request's actor is its caller, read from the request the first time a use case asks who acts.</summary>
internal sealed class RequestActorSource(IHttpContextAccessor http) : IActorSource
{
    public Domain.Audit.Actor? Find() => http.HttpContext?.ToActor();
}

/// <summary>
/// A hub method acts for the hub connection's caller: each call sets its scope's actor from the hub's context.
/// </summary>
internal sealed class HubCallActor : IHubFilter
{
    public ValueTask<object?> InvokeMethodAsync(
        HubInvocationContext invocation,
        Func<HubInvocationContext, ValueTask<object?>> next
    )
    {
        var caller = invocation.Context;
        invocation
            .ServiceProvider.GetRequiredService<CurrentActor>()
            .ActAs(caller.User!.ToActor(caller.GetHttpContext()?.Connection.RemoteIpAddress?.ToString()));
        return next(invocation);
    }
}
