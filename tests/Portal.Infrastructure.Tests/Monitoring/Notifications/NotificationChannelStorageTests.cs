using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Portal.Domain.Monitoring;
using Portal.Domain.Tenancy;
using Portal.Infrastructure.Persistence;
using Portal.Infrastructure.Tenancy;

namespace Portal.Infrastructure.Tests.Monitoring.Notifications;

public sealed class NotificationChannelStorageTests : IDisposable
{
    private static readonly DateTime Now = new(2026, 11, 25, 12, 0, 0, DateTimeKind.Utc);
    private readonly SqliteConnection _connection = new("DataSource=:memory:");

    public NotificationChannelStorageTests()
    {
        _connection.Open();
        using var db = Database();
        db.Database.EnsureCreated();
    }

    private PortalDbContext Database() =>
        new(
            new DbContextOptionsBuilder<PortalDbContext>().UseSqlite(_connection).UseOpenIddict().Options,
            new TenantScope()
        );

    private Tenant AddTenant()
    {
        using var db = Database();
        var tenant = Tenant.Create("shop", "Shop", Now).Value;
        db.Tenants.Add(tenant);
        db.SaveChanges();
        return tenant;
    }

    [Fact]
    public void Channels_are_stored_with_their_kind_by_name_and_read_back_whatever_tenant_is_in_scope()
    {
        var tenant = AddTenant();
        using (var db = Database())
        {
            db.NotificationChannels.Add(
                NotificationChannel
                    .CreateWebhook(
                        null,
                        "Operators",
                        "https://hooks.example.com/ops",
                        "sealed",
                        url => $"sealed({url})",
                        Now
                    )
                    .Value
            );
            db.NotificationChannels.Add(
                NotificationChannel.CreateEmail(tenant.Id, "Team mail", "ops@example.com,dev@example.com", Now).Value
            );
            db.SaveChanges();
        }

        using var reader = Database();
        var channels = reader.NotificationChannels.AsNoTracking().OrderBy(c => c.Name).ToList();

        Assert.Equal([ChannelKind.Webhook, ChannelKind.Email], channels.Select(c => c.Kind));
        Assert.Null(channels[0].TenantId);
        Assert.Equal("sealed", channels[0].SealedSecret);
        Assert.Equal("sealed(https://hooks.example.com/ops)", channels[0].SealedUrl);
        Assert.Equal("https://hooks.example.com/…", channels[0].Target);
        Assert.Equal(["ops@example.com", "dev@example.com"], channels[1].Recipients);
        Assert.Equal(
            "Email",
            reader
                .Database.SqlQueryRaw<string>("SELECT Kind AS Value FROM NotificationChannels WHERE Name = 'Team mail'")
                .Single()
        );
    }

    [Fact]
    public void Two_channels_of_one_tenant_cannot_share_a_name()
    {
        var tenant = AddTenant();
        using var db = Database();
        db.NotificationChannels.Add(
            NotificationChannel.CreateEmail(tenant.Id, "Team mail", "ops@example.com", Now).Value
        );
        db.NotificationChannels.Add(
            NotificationChannel
                .CreateWebhook(
                    tenant.Id,
                    "Team mail",
                    "https://hooks.example.com/",
                    "sealed",
                    url => $"sealed({url})",
                    Now
                )
                .Value
        );

        Assert.Throws<DbUpdateException>(() => db.SaveChanges());
    }

    [Fact]
    public void A_tenants_channels_go_when_the_tenant_goes()
    {
        var tenant = AddTenant();
        using (var db = Database())
        {
            db.NotificationChannels.Add(
                NotificationChannel.CreateEmail(tenant.Id, "Team mail", "ops@example.com", Now).Value
            );
            db.SaveChanges();
        }
        using (var db = Database())
        {
            db.Tenants.Remove(db.Tenants.Single());
            db.SaveChanges();
        }

        using var reader = Database();
        Assert.Empty(reader.NotificationChannels);
    }

    public void Dispose() => _connection.Dispose();
}
