using Portal.Infrastructure;
using Portal.Infrastructure.Persistence;
using Portal.Web;
using Portal.Web.Common;
using Portal.Web.Identity;

if (args is [KeyRingCertificate.Command, var certificatePath])
{
    // docker-compose.yml's init step: the certificate that encrypts the key ring, made once into its own volume.
    KeyRingCertificate.CreateIfMissing(
        certificatePath,
        Environment.GetEnvironmentVariable("Portal__DataProtection__CertificatePassword"),
        Console.Out
    );
    return;
}

// appsettings are read once: reloading them on change has .NET watch the whole content root, and on Linux that is one
// inotify watch per directory, App_Data's build trees included (tens of thousands of directories, more with each
// build, each file a build writes an event to the portal). A command-line value of the same key still wins.
var builder = WebApplication.CreateBuilder(
    new WebApplicationOptions
    {
        Args = ["--hostBuilder:reloadConfigOnChange=false", .. args],
        WebRootPath = WebRoot.Locate(),
    }
);

builder.AddPortalLogging();
builder.Services.AddPortalInfrastructure(builder.Configuration, builder.Environment.ContentRootPath);
builder.Services.AddPortalIdentity(builder.Configuration);
builder.Services.AddPortalWeb(builder.Configuration);

var app = builder.Build();

await app.PrepareDatabaseAsync();
app.UsePortalPipeline();
app.MapPortalEndpoints();

await app.RunAsync();

/// <summary>Entry point, visible to the test host.</summary>
public partial class Program;
