using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;
using Portal.Infrastructure;
using Portal.Infrastructure.Persistence;
using Portal.Infrastructure.Tenancy;

namespace Portal.Migrations.Postgres;

/// <summary>Lets <c>dotnet ef migrations add</c> build the model for this provider without starting the portal.</summary>
public sealed class DesignTimeContextFactory : IDesignTimeDbContextFactory<PortalDbContext>
{
    public PortalDbContext CreateDbContext(string[] args)
    {
        var options = new DbContextOptionsBuilder<PortalDbContext>();
        DependencyInjection.ConfigureProvider(
            options,
            DatabaseProvider.Postgres,
            "Host=localhost;Database=portal_design;Username=portal;Password=unused",
            Directory.GetCurrentDirectory()
        );
        options.UseOpenIddict();
        return new PortalDbContext(options.Options, new TenantScope());
    }
}
