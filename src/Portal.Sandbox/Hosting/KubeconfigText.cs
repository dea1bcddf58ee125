namespace Portal.Sandbox.Hosting;

internal static class KubeconfigText
{
    public static string Render(string cluster, Uri server, string token, string user) => $"""
        apiVersion: v1
        kind: Config
        clusters:
        - name: {cluster}
          cluster:
            server: {server.GetLeftPart(UriPartial.Authority)}
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
        preferences: {{}}

        """;
}
