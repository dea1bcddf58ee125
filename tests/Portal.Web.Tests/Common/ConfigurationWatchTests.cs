using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Configuration.Json;
using Microsoft.Extensions.DependencyInjection;
using Portal.Web.Tests.Support;

namespace Portal.Web.Tests.Common;

public sealed class ConfigurationWatchTests(SqlitePortal portal) : IClassFixture<SqlitePortal>
{
    [Fact]
    public void The_settings_files_are_read_once_so_that_nothing_watches_the_content_root_and_its_build_trees()
    {
        var configuration = (IConfigurationRoot)portal.Factory.Services.GetRequiredService<IConfiguration>();

        var files = configuration.Providers.OfType<JsonConfigurationProvider>().ToList();

        Assert.Contains(files, f => f.Source.Path == "appsettings.json");
        Assert.All(files, f => Assert.False(f.Source.ReloadOnChange, $"{f.Source.Path} is reloaded on change"));
    }
}
