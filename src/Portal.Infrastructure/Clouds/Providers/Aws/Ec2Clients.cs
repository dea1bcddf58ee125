using Amazon;
using Amazon.EC2;
using Amazon.Runtime;

namespace Portal.Infrastructure.Clouds.Providers.Aws;

/// <summary>
/// Makes the SDK's EC2 client for one account: its access key, its region (or the endpoint override, signed for the
/// account's region), a bounded retry, and HTTP through the portal's named client.
/// </summary>
internal sealed class Ec2Clients(IHttpClientFactory httpClients)
{
    /// <summary>The SDK's own retries after the first attempt (standard mode: jittered exponential backoff).</summary>
    public const int MaxErrorRetry = 3;

    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    private readonly NamedHttpClientFactory _http = new(httpClients, AwsCloudProvider.HttpClientName);

    public AmazonEC2Client For(CloudAccess access)
    {
        var keyId = access.Secret(AwsCloudProvider.AccessKeyIdField);
        var secret = access.Secret(AwsCloudProvider.SecretAccessKeyField);
        if (keyId.Length == 0 || secret.Length == 0)
            throw new CloudRefusal(
                CloudRefusalKind.Credentials,
                "The account has no access key: both AccessKeyId and SecretAccessKey are needed."
            );
        var config = new AmazonEC2Config
        {
            MaxErrorRetry = MaxErrorRetry,
            RetryMode = RequestRetryMode.Standard,
            Timeout = Timeout,
            HttpClientFactory = _http,
        };
        if (access.Endpoint is { } endpoint)
        {
            config.ServiceURL = endpoint.ToString();
            config.AuthenticationRegion = access.Region;
        }
        else
            config.RegionEndpoint = RegionEndpoint.GetBySystemName(access.Region);
        return new AmazonEC2Client(new BasicAWSCredentials(keyId, secret), config);
    }

    /// <summary>The SDK asks for an HttpClient per request; the portal's factory pools their handlers.</summary>
    private sealed class NamedHttpClientFactory(IHttpClientFactory factory, string name) : HttpClientFactory
    {
        public override HttpClient CreateHttpClient(IClientConfig clientConfig) => factory.CreateClient(name);

        public override bool UseSDKHttpClientCaching(IClientConfig clientConfig) => false;

        public override bool DisposeHttpClientsAfterUse(IClientConfig clientConfig) => true;
    }
}
