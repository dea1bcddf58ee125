using System.Security.Claims;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.SignalR;
using Portal.Infrastructure.Tenancy;
using Portal.Web.Tenancy;

namespace Portal.Web.Tests.Tenancy;

/// <summary>
/// The registry that ends a caller's live connections to a tenant, including one whose access check raced the end.
/// </summary>
public sealed class LiveTenantConnectionsTests
{
    private static readonly Guid Tenant = Guid.NewGuid();

    [Fact]
    public async Task A_connection_let_in_by_a_check_made_before_the_member_was_removed_is_ended_as_it_joins()
    {
        var connections = new LiveTenantConnections(TimeProvider.System);
        var user = Guid.NewGuid();
        var racing = new FakeContext(user);

        var mark = connections.Mark();
        await connections.EndAsync(Tenant, new Caller(user, null), default);
        connections.Track(racing, Tenant, mark);

        Assert.True(racing.Aborted);
    }

    [Fact]
    public async Task Ending_a_callers_connections_to_one_tenant_leaves_their_other_tenants_and_other_callers_alone()
    {
        var connections = new LiveTenantConnections(TimeProvider.System);
        var user = Guid.NewGuid();
        var removed = new FakeContext(user);
        var elsewhere = new FakeContext(user);
        var colleague = new FakeContext(Guid.NewGuid());
        connections.Track(removed, Tenant, connections.Mark());
        connections.Track(elsewhere, Guid.NewGuid(), connections.Mark());
        connections.Track(colleague, Tenant, connections.Mark());

        await connections.EndAsync(Tenant, new Caller(user, null), default);
        var joinedLater = new FakeContext(user);
        connections.Track(joinedLater, Tenant, connections.Mark());

        Assert.True(removed.Aborted);
        Assert.False(elsewhere.Aborted);
        Assert.False(colleague.Aborted);
        Assert.False(joinedLater.Aborted);
        Assert.Equal(3, connections.Tracked);
    }

    [Fact]
    public void A_closed_connection_is_forgotten()
    {
        var connections = new LiveTenantConnections(TimeProvider.System);
        var context = new FakeContext(Guid.NewGuid());
        connections.Track(context, Tenant, connections.Mark());
        connections.Track(context, Tenant, connections.Mark());

        context.Abort();

        Assert.Equal(0, connections.Tracked);
    }

    private sealed class FakeContext(Guid userId) : HubCallerContext
    {
        private readonly CancellationTokenSource _aborted = new();

        public bool Aborted => _aborted.IsCancellationRequested;
        public override string ConnectionId { get; } = Guid.NewGuid().ToString("N");
        public override string? UserIdentifier => userId.ToString();
        public override ClaimsPrincipal? User { get; } =
            new(new ClaimsIdentity([new Claim(ClaimTypes.NameIdentifier, userId.ToString())], "test"));
        public override IDictionary<object, object?> Items { get; } = new Dictionary<object, object?>();
        public override IFeatureCollection Features { get; } = new FeatureCollection();
        public override CancellationToken ConnectionAborted => _aborted.Token;

        public override void Abort() => _aborted.Cancel();
    }
}
