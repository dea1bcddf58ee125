using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Xml.Linq;
using Portal.SandboxCloud.Aws;
using Portal.SandboxCloud.Hosting;
using SandboxHost = Portal.SandboxCloud.Hosting.SandboxCloud;

namespace Portal.Infrastructure.Tests.Clouds.Aws;

/// <summary>The EC2 emulator on the wire, without the SDK: its documents, its errors and their statuses.</summary>
public sealed class AwsEmulatorTests : IAsyncLifetime
{
    private static readonly XNamespace Ec2 = "http://ec2.amazonaws.com/doc/2016-11-15/";
    private const string Form = "Action=DescribeAvailabilityZones&Version=2016-11-15";

    private readonly HttpClient _http = new();
    private SandboxHost _sandbox = null!;

    public async Task InitializeAsync() =>
        _sandbox = await SandboxHost.StartAsync(new SandboxCloudOptions(), [new AwsEmulator()], CancellationToken.None);

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _sandbox.DisposeAsync();
    }

    [Fact]
    public async Task A_signed_call_is_answered_in_the_EC2_namespace()
    {
        using var response = await _http.SendAsync(Signed(Form, _sandbox.Options.Secret));
        var document = XDocument.Parse(await response.Content.ReadAsStringAsync());

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(Ec2 + "DescribeAvailabilityZonesResponse", document.Root!.Name);
        Assert.NotEmpty(document.Root.Element(Ec2 + "requestId")!.Value);
        Assert.Equal(new[] { "sandbox-1a", "sandbox-1b" }, document.Descendants(Ec2 + "zoneName").Select(z => z.Value));
    }

    [Fact]
    public async Task An_unsigned_call_and_a_call_signed_with_another_secret_get_EC2s_error_documents()
    {
        using var unsigned = await _http.PostAsync(
            _sandbox.EndpointOf("Aws"),
            new StringContent(Form, Encoding.UTF8, "application/x-www-form-urlencoded")
        );
        using var forged = await _http.SendAsync(Signed(Form, "not-the-secret"));

        Assert.Equal(HttpStatusCode.Unauthorized, unsigned.StatusCode);
        Assert.Equal("MissingAuthenticationToken", await ErrorCodeAsync(unsigned));
        Assert.Equal(HttpStatusCode.Unauthorized, forged.StatusCode);
        Assert.Equal("SignatureDoesNotMatch", await ErrorCodeAsync(forged));
    }

    [Fact]
    public async Task Faults_are_answered_as_EC2_throttles_and_fails()
    {
        _sandbox["Aws"].Faults.ThrottleNext(1);
        using var throttled = await _http.SendAsync(Signed(Form, _sandbox.Options.Secret));
        _sandbox["Aws"].Faults.FailNext(1);
        using var failed = await _http.SendAsync(Signed(Form, _sandbox.Options.Secret));
        using var unknown = await _http.SendAsync(
            Signed("Action=RebootInstances&Version=2016-11-15", _sandbox.Options.Secret)
        );

        Assert.Equal(HttpStatusCode.ServiceUnavailable, throttled.StatusCode);
        Assert.Equal("RequestLimitExceeded", await ErrorCodeAsync(throttled));
        Assert.Equal(HttpStatusCode.InternalServerError, failed.StatusCode);
        Assert.Equal("InternalError", await ErrorCodeAsync(failed));
        Assert.Equal(HttpStatusCode.BadRequest, unknown.StatusCode);
        Assert.Equal("InvalidAction", await ErrorCodeAsync(unknown));
    }

    private static async Task<string> ErrorCodeAsync(HttpResponseMessage response)
    {
        var document = XDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("Response", document.Root!.Name.LocalName);
        Assert.NotEmpty(document.Root.Element("RequestID")!.Value);
        return document.Root.Element("Errors")!.Element("Error")!.Element("Code")!.Value;
    }

    /// <summary>A form POST signed by hand, as Signature Version 4 says, over host and x-amz-date.</summary>
    private HttpRequestMessage Signed(string form, string secret)
    {
        var endpoint = _sandbox.EndpointOf("Aws");
        var amzDate = DateTime.UtcNow.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture);
        var host = endpoint.Authority;
        var payloadHash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(form)));
        var canonical = $"POST\n/\n\nhost:{host}\nx-amz-date:{amzDate}\n\nhost;x-amz-date\n{payloadHash}";
        var signature = SigV4Verifier.Signature(secret, amzDate, "sandbox-1", "ec2", canonical);
        var request = new HttpRequestMessage(HttpMethod.Post, endpoint)
        {
            Content = new StringContent(form, Encoding.UTF8, "application/x-www-form-urlencoded"),
        };
        request.Headers.Add("X-Amz-Date", amzDate);
        request.Headers.TryAddWithoutValidation(
            "Authorization",
            $"AWS4-HMAC-SHA256 Credential={_sandbox.Options.AccessKey}/{amzDate[..8]}/sandbox-1/ec2/aws4_request, "
                + $"SignedHeaders=host;x-amz-date, Signature={signature}"
        );
        return request;
    }
}
