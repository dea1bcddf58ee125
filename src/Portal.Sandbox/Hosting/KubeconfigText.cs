namespace Portal.Sandbox.Hosting;

internal static class KubeconfigText
{
    private const string Empty = "{}";

    public static string Render(string cluster, Uri server, string token, string user, string? certificateAuthority) =>
        $"""
            apiVersion: v1
            kind: Config
            clusters:
            - name: {cluster}
              cluster:
                server: {server.GetLeftPart(UriPartial.Authority)}{(
                certificateAuthority is null ? "" : "\n    certificate-authority-data: " + certificateAuthority
            )}
            users:
            - name: {user}
              user:
                token: {token}
            contexts:
            - name: {cluster}
              context:
                cluster: {cluster}
                user: {user}
                namespace: default
            current-context: {cluster}
            preferences: {Empty}

            """;
}
