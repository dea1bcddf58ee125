using System.Text;
using System.Text.Json;
using Portal.Infrastructure.Builds.Registry;

namespace Portal.Infrastructure.Builds.Buildah;

/// <summary>
/// What buildah needs to reach the portal's registry, in a temporary folder that goes when the work is done: the
/// credentials as an auth file readable by the owner only (never on a command line, where any user could read them in
/// the process list), and a registries.conf that lets plain http or an unchecked certificate through for that
/// registry alone, and only when it is on this machine.
/// </summary>
public sealed class RegistryAccessFiles : IDisposable
{
    private readonly DirectoryInfo _folder;

    private RegistryAccessFiles(DirectoryInfo folder, RegistryEndpoint endpoint)
    {
        _folder = folder;
        Endpoint = endpoint;
    }

    public RegistryEndpoint Endpoint { get; }

    public string AuthFile => Path.Combine(_folder.FullName, "auth.json");

    public string RegistriesConf => Path.Combine(_folder.FullName, "registries.conf");

    /// <summary>TLS is skipped for the portal's registry only when it is on loopback; else it is checked.</summary>
    public bool SkipsTls => Endpoint.SkipsTls && Endpoint.BaseAddress.IsLoopback;

    /// <summary>The password and its encodings, to blank out of any output.</summary>
    public IReadOnlyCollection<string> Secrets =>
        string.IsNullOrEmpty(Endpoint.Password) ? [] : [Endpoint.Password, BasicAuth(Endpoint)];

    /// <summary>The environment that points buildah's pulls at these registry settings.</summary>
    public IReadOnlyDictionary<string, string> Environment =>
        new Dictionary<string, string> { ["CONTAINERS_REGISTRIES_CONF"] = RegistriesConf };

    public static RegistryAccessFiles Create(RegistryEndpoint endpoint)
    {
        var folder = PrivateFiles.CreateTemporaryFolder("portal-registry-");
        var files = new RegistryAccessFiles(folder, endpoint);
        var auths = new Dictionary<string, object>();
        if (endpoint.HasCredentials)
            auths[endpoint.Host] = new Dictionary<string, string> { ["auth"] = BasicAuth(endpoint) };
        PrivateFiles.Write(
            files.AuthFile,
            JsonSerializer.Serialize(new Dictionary<string, object> { ["auths"] = auths })
        );
        var registries = new StringBuilder()
            .AppendLine("unqualified-search-registries = [\"docker.io\"]")
            .AppendLine("short-name-mode = \"permissive\"");
        if (files.SkipsTls)
            registries
                .AppendLine("[[registry]]")
                .AppendLine($"location = \"{endpoint.Host}\"")
                .AppendLine("insecure = true");
        PrivateFiles.Write(files.RegistriesConf, registries.ToString());
        return files;
    }

    public void Dispose() => PrivateFiles.DeleteQuietly(_folder.FullName);

    private static string BasicAuth(RegistryEndpoint endpoint) =>
        Convert.ToBase64String(Encoding.UTF8.GetBytes($"{endpoint.User}:{endpoint.Password}"));
}
