using System.Security.Cryptography;
using Portal.Domain.Middleware;

namespace Portal.Infrastructure.Middleware;

/// <summary>Generates an instance's credentials when it is provisioned.</summary>
public static class InstanceCredentials
{
    // Letters and digits only: a credential also goes into URIs, JDBC URLs and key=value connection strings, where
    // every other character needs escaping of its own kind. Twenty-four of them carry over 140 bits.
    private const string Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

    public static IReadOnlyDictionary<string, string> Generate(IEnumerable<CredentialSpec> specs) =>
        specs.ToDictionary(
            s => s.Key,
            s => RandomNumberGenerator.GetString(Alphabet, s.Length),
            StringComparer.Ordinal
        );
}
