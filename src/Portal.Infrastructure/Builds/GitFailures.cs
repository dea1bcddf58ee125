using Portal.Domain.Builds;
using Portal.Domain.Common;

namespace Portal.Infrastructure.Builds;

/// <summary>
/// Turns what git printed when it failed into a sentence a developer acts on, at the field to change. git runs with
/// <c>LC_ALL=C</c>, so its messages are the English ones matched here; the text is scrubbed before it is quoted.
/// </summary>
internal static class GitFailures
{
    public static Problem Of(string error, string shownUrl, GitCredential credential)
    {
        var detail = LastFatal(error);
        if (
            Has(
                error,
                "Could not resolve host",
                "Could not resolve hostname",
                "Name or service not known",
                "Temporary failure in name resolution",
                "nodename nor servname"
            )
        )
            return Problem.Invalid(
                GitRepositoryUrl.Field,
                $"The host of '{shownUrl}' could not be found (the name does not resolve): check the URL."
            );
        if (
            Has(
                error,
                "Connection refused",
                "Couldn't connect to server",
                "Failed to connect",
                "No route to host",
                "Network is unreachable",
                "Connection timed out",
                "Operation timed out",
                "Connection reset"
            )
        )
            return new Problem(
                ProblemKind.Unavailable,
                $"The host of '{shownUrl}' could not be reached ({detail}). Check the URL and its port, or try again "
                    + "if the server is down.",
                GitRepositoryUrl.Field
            );
        if (Has(error, "Host key verification failed", "REMOTE HOST IDENTIFICATION HAS CHANGED"))
            return Problem.Invalid(
                GitRepositoryUrl.Field,
                $"The SSH host key of '{shownUrl}' is not the one met before: the server changed its key, or another "
                    + "server answers in its place. Reconnect the source if the change is expected."
            );
        if (
            Has(
                error,
                "SSL certificate problem",
                "server certificate verification failed",
                "SSL_ERROR",
                "certificate verify failed"
            )
        )
            return Problem.Invalid(
                GitRepositoryUrl.Field,
                $"The HTTPS certificate of '{shownUrl}' is not trusted ({detail})."
            );
        if (
            Has(
                error,
                "Authentication failed",
                "could not read Username",
                "could not read Password",
                "terminal prompts disabled",
                "Permission denied (publickey",
                "HTTP Basic: Access denied",
                "returned error: 401",
                "returned error: 403",
                "Invalid username or password"
            )
        )
            return credential.Kind == GitCredentialKind.None
                ? Problem.Invalid(
                    "CredentialKind",
                    $"'{shownUrl}' asks for a credential: give a token, a user and password, or an SSH key."
                )
                : Problem.Invalid(
                    "Secret",
                    $"'{shownUrl}' refused the credential: check that it is current and may read the repository."
                );
        if (
            Has(
                error,
                "does not appear to be a git repository",
                "not a git repository",
                "Repository not found",
                "returned error: 404",
                "not found",
                "not valid: is this a git repository"
            )
        )
            return Problem.Invalid(
                GitRepositoryUrl.Field,
                $"'{shownUrl}' is not a Git repository, or it does not exist: check the URL."
            );
        return Problem.Invalid(GitRepositoryUrl.Field, $"Git could not read '{shownUrl}': {detail}");
    }

    public static Problem TimedOut(string shownUrl, TimeSpan timeout) =>
        new(
            ProblemKind.Unavailable,
            $"'{shownUrl}' did not answer within {timeout.TotalSeconds:0} seconds; the host may be down or "
                + "filtering the connection.",
            GitRepositoryUrl.Field
        );

    private static bool Has(string error, params string[] needles) =>
        needles.Any(needle => error.Contains(needle, StringComparison.OrdinalIgnoreCase));

    private static string LastFatal(string error)
    {
        var lines = error.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var fatal = lines.LastOrDefault(line => line.StartsWith("fatal:", StringComparison.Ordinal))
            ?? lines.LastOrDefault()
            ?? "no message";
        fatal = fatal.StartsWith("fatal:", StringComparison.Ordinal) ? fatal["fatal:".Length..].Trim() : fatal;
        return fatal.Length > 300 ? fatal[..300] + "…" : fatal;
    }
}
