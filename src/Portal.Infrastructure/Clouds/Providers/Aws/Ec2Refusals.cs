using System.Globalization;
using System.Net;
using Amazon.Runtime;

namespace Portal.Infrastructure.Clouds.Providers.Aws;

/// <summary>EC2's error codes, as the portal's kinds of refusal, with EC2's own message.</summary>
internal static class Ec2Refusals
{
    public static CloudRefusalKind KindOf(string code, HttpStatusCode status, string message) =>
        code switch
        {
            // EC2 answers a request signed for a region it does not have as an authentication failure; the
            // account's region is what is wrong, not its keys.
            "AuthFailure"
            or "SignatureDoesNotMatch" when message.Contains("valid region", StringComparison.Ordinal) =>
                CloudRefusalKind.Invalid,
            "AuthFailure"
            or "SignatureDoesNotMatch"
            or "InvalidClientTokenId"
            or "UnauthorizedOperation"
            or "MissingAuthenticationToken"
            or "IncompleteSignature"
            or "RequestExpired"
            or "OptInRequired"
            or "PendingVerification"
            or "Blocked" => CloudRefusalKind.Credentials,
            "RequestLimitExceeded" or "Throttling" or "ThrottlingException" or "EC2ThrottledException" =>
                CloudRefusalKind.Throttled,
            "InstanceLimitExceeded"
            or "VcpuLimitExceeded"
            or "VolumeLimitExceeded"
            or "MaxSpotInstanceCountExceeded"
            or "ResourceLimitExceeded" => CloudRefusalKind.Quota,
            "InternalError"
            or "InternalFailure"
            or "Unavailable"
            or "ServiceUnavailable"
            or "InsufficientInstanceCapacity" => CloudRefusalKind.Unavailable,
            _ when (int)status >= 500 => CloudRefusalKind.Unavailable,
            _ when status is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden => CloudRefusalKind.Credentials,
            _ => CloudRefusalKind.Invalid,
        };

    public static CloudRefusal From(AmazonServiceException error)
    {
        var code = string.IsNullOrEmpty(error.ErrorCode)
            ? ((int)error.StatusCode).ToString(CultureInfo.InvariantCulture)
            : error.ErrorCode;
        var message = string.IsNullOrEmpty(error.Message) ? error.StatusCode.ToString() : error.Message;
        return new CloudRefusal(KindOf(code, error.StatusCode, message), $"{code}: {message}", code, error);
    }

    /// <summary>The endpoint could not be reached, or answered nothing the SDK could read.</summary>
    public static CloudRefusal Unreachable(CloudAccess access, Exception error) =>
        new(
            CloudRefusalKind.Unavailable,
            $"EC2 in {access.Region} could not be reached: {error.Message}",
            error.GetType().Name,
            error
        );
}
