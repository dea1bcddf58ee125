using System.Text.RegularExpressions;

namespace Portal.Domain.Applications;

/// <summary>
/// The name rules of the Kubernetes API server (k8s.io/apimachinery validation), so that a spec the portal accepts
/// is one the cluster accepts too.
/// </summary>
internal static partial class KubernetesSyntax
{
    public const int LabelMaxLength = 63;
    public const int SubdomainMaxLength = 253;
    public const int ServiceNameMaxLength = 15;
    public const int ConfigKeyMaxLength = 253;

    public static bool IsDns1123Label(string value) => value.Length <= LabelMaxLength && Dns1123Label().IsMatch(value);

    public static bool IsDns1123Subdomain(string value) =>
        value.Length <= SubdomainMaxLength && Dns1123Subdomain().IsMatch(value);

    /// <summary>IANA_SVC_NAME, the rule for named ports: "http", "metrics", "grpc-web".</summary>
    public static bool IsServiceName(string value) =>
        value.Length is > 0 and <= ServiceNameMaxLength
        && ServiceName().IsMatch(value)
        && value.Any(char.IsAsciiLetterLower)
        && !value.Contains("--", StringComparison.Ordinal);

    public static bool IsEnvironmentVariableName(string value) => EnvironmentVariableName().IsMatch(value);

    public static bool IsConfigKey(string value) =>
        value.Length <= ConfigKeyMaxLength
        && ConfigKey().IsMatch(value)
        && value != "."
        && !value.StartsWith("..", StringComparison.Ordinal);

    public static bool IsLabelValue(string value) => value.Length <= LabelMaxLength && LabelValue().IsMatch(value);

    [GeneratedRegex("\\A[a-z0-9]([-a-z0-9]*[a-z0-9])?\\z")]
    private static partial Regex Dns1123Label();

    [GeneratedRegex(@"\A[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\z")]
    private static partial Regex Dns1123Subdomain();

    [GeneratedRegex("\\A[a-z0-9]([-a-z0-9]*[a-z0-9])?\\z")]
    private static partial Regex ServiceName();

    [GeneratedRegex("\\A[-._a-zA-Z][-._a-zA-Z0-9]*\\z")]
    private static partial Regex EnvironmentVariableName();

    [GeneratedRegex("\\A[-._a-zA-Z0-9]+\\z")]
    private static partial Regex ConfigKey();

    [GeneratedRegex("\\A(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?\\z")]
    private static partial Regex LabelValue();
}
