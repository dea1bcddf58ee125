using Portal.Infrastructure.Persistence;

namespace Portal.Infrastructure.Tests.Persistence;

public sealed class DatabaseOptionsTests
{
    [Fact]
    public void The_postgres_pool_is_capped_unless_the_connection_string_caps_it_itself()
    {
        var options = new DatabaseOptions { MaxPoolSize = 25 };

        var capped = options.PostgresConnectionString("Host=db;Username=portal;Password=secret");
        var own = options.PostgresConnectionString("Host=db;Username=portal;Password=secret;Maximum Pool Size=80");

        Assert.Contains("Maximum Pool Size=25", capped);
        Assert.Contains("Maximum Pool Size=80", own);
    }
}
