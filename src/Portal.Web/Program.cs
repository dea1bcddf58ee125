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

var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, WebRootPath = WebRoot.Locate() });

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
