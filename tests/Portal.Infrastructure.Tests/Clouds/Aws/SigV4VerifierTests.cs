using System.Text;
using Microsoft.AspNetCore.Http;
using Portal.SandboxCloud.Aws;

namespace Portal.Infrastructure.Tests.Clouds.Aws;

/// <summary>
/// The emulator's signature check against AWS's published Signature Version 4 test suite
/// (https://docs.aws.amazon.com/general/latest/gr/signature-v4-test-suite.html), as kept in awslabs/aws-c-auth under
/// tests/aws-signing-test-suite/v4/&lt;case&gt;/ (request.txt, header-canonical-request.txt, header-signature.txt):
/// credentials AKIDEXAMPLE / wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY, 20150830T123600Z, us-east-1, service "service".
/// </summary>
public sealed class SigV4VerifierTests
{
    private const string KeyId = "AKIDEXAMPLE";
    private const string Secret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
    private const string AmzDate = "20150830T123600Z";
    private const string EmptyHash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
    private const string FormHash = "9095672bbd1f56dfc5b65f3e153adc8731a4a654192329106275f4c7b24d0b6e";

    /// <summary>A case of the suite: the request as it arrives, its signed headers, the published signature.</summary>
    private sealed record SuiteCase(
        string Method,
        string Path,
        string Query,
        string[] Headers,
        string Body,
        string SignedHeaders,
        string Signature
    );

    private static readonly Dictionary<string, SuiteCase> Suite = new()
    {
        ["get-vanilla"] = new(
            "GET",
            "/",
            "",
            ["Host:example.amazonaws.com"],
            "",
            "host;x-amz-date",
            "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"
        ),
        ["get-vanilla-query-order-key-case"] = new(
            "GET",
            "/",
            "?Param2=value2&Param1=value1",
            ["Host:example.amazonaws.com"],
            "",
            "host;x-amz-date",
            "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500"
        ),
        ["get-vanilla-query-unreserved"] = new(
            "GET",
            "/",
            "?-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                + "=-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz",
            ["Host:example.amazonaws.com"],
            "",
            "host;x-amz-date",
            "9c3e54bfcdf0b19771a7f523ee5669cdf59bc7cc0884027167c21bb143a40197"
        ),
        ["get-vanilla-utf8-query"] = new(
            "GET",
            "/",
            "?%E1%88%B4=bar",
            ["Host:example.amazonaws.com"],
            "",
            "host;x-amz-date",
            "2cdec8eed098649ff3a119c94853b13c643bcf08f8b0a1d91e12c9027818dd04"
        ),
        ["get-utf8"] = new(
            "GET",
            "/\u1234",
            "",
            ["Host:example.amazonaws.com"],
            "",
            "host;x-amz-date",
            "8318018e0b0f223aa2bbf98705b62bb787dc9c0e678f255a891fd03141be5d85"
        ),
        ["get-space-normalized"] = new(
            "GET",
            "/example space/",
            "",
            ["Host:example.amazonaws.com"],
            "",
            "host;x-amz-date",
            "652487583200325589f1fba4c7e578f72c47cb61beeca81406b39ddec1366741"
        ),
        ["get-header-value-trim"] = new(
            "GET",
            "/",
            "",
            ["Host:example.amazonaws.com", "My-Header1: value1", "My-Header2: \"a   b   c\""],
            "",
            "host;my-header1;my-header2;x-amz-date",
            "acc3ed3afb60bb290fc8d2dd0098b9911fcaa05412b367055dee359757a9c736"
        ),
        ["post-header-key-sort"] = new(
            "POST",
            "/",
            "",
            ["Host:example.amazonaws.com", "My-Header1:value1"],
            "",
            "host;my-header1;x-amz-date",
            "c5410059b04c1ee005303aed430f6e6645f61f4dc9e1461ec8f8916fdf18852c"
        ),
        ["post-vanilla-query"] = new(
            "POST",
            "/",
            "?Param1=value1",
            ["Host:example.amazonaws.com"],
            "",
            "host;x-amz-date",
            "28038455d6de14eafc1f9222cf5aa6f1a96197d7deb8263271d420d138af7f11"
        ),
        ["post-x-www-form-urlencoded"] = new(
            "POST",
            "/",
            "",
            [
                "Content-Type:application/x-www-form-urlencoded",
                "Host:example.amazonaws.com",
                "Content-Length:13",
                $"x-amz-content-sha256:{FormHash}",
            ],
            "Param1=value1",
            "content-length;content-type;host;x-amz-content-sha256;x-amz-date",
            "d3875051da38690788ef43de4db0d8f280229d82040bfac253562e56c3f20e0b"
        ),
    };

    public static TheoryData<string> SuiteCases => [.. Suite.Keys];

    [Theory]
    [MemberData(nameof(SuiteCases))]
    public async Task A_request_of_the_published_suite_signed_as_published_is_accepted(string name)
    {
        var suiteCase = Suite[name];
        var request = Request(suiteCase, suiteCase.Signature);

        var outcome = await new SigV4Verifier("service").VerifyAsync(request, Secrets, CancellationToken.None);

        Assert.Null(outcome.ErrorMessage);
        Assert.Equal(KeyId, outcome.AccessKey);
        Assert.Equal("us-east-1", outcome.Region);
    }

    [Theory]
    [MemberData(nameof(SuiteCases))]
    public void The_signature_computed_for_a_request_of_the_suite_is_the_published_one(string name)
    {
        var suiteCase = Suite[name];
        var request = Request(suiteCase, suiteCase.Signature);
        var payloadHash = suiteCase.Body.Length == 0 ? EmptyHash : FormHash;

        var canonical = SigV4Verifier.CanonicalRequest(request, suiteCase.SignedHeaders.Split(';'), payloadHash);

        Assert.Equal(suiteCase.Signature, SigV4Verifier.Signature(Secret, AmzDate, "us-east-1", "service", canonical));
    }

    [Fact]
    public void The_canonical_requests_are_the_suites_byte_for_byte()
    {
        // header-canonical-request.txt of get-vanilla-query-order-key-case, get-header-value-trim and
        // post-x-www-form-urlencoded.
        Assert.Equal(
            "GET\n/\nParam1=value1&Param2=value2\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\n"
                + $"host;x-amz-date\n{EmptyHash}",
            Canonical("get-vanilla-query-order-key-case")
        );
        Assert.Equal(
            "GET\n/\n\nhost:example.amazonaws.com\nmy-header1:value1\nmy-header2:\"a b c\"\n"
                + $"x-amz-date:20150830T123600Z\n\nhost;my-header1;my-header2;x-amz-date\n{EmptyHash}",
            Canonical("get-header-value-trim")
        );
        Assert.Equal(
            "POST\n/\n\ncontent-length:13\ncontent-type:application/x-www-form-urlencoded\n"
                + $"host:example.amazonaws.com\nx-amz-content-sha256:{FormHash}\nx-amz-date:20150830T123600Z\n\n"
                + $"content-length;content-type;host;x-amz-content-sha256;x-amz-date\n{FormHash}",
            Canonical("post-x-www-form-urlencoded")
        );
    }

    [Fact]
    public void The_string_to_sign_and_signing_key_of_get_vanilla_are_the_suites()
    {
        var canonical = Canonical("get-vanilla");

        // header-string-to-sign.txt of get-vanilla.
        Assert.Equal(
            "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\n"
                + "bb579772317eb040ac9ed261061d46c1f17a8133879d6129b6e1c25292927e63",
            SigV4Verifier.StringToSign(AmzDate, "20150830/us-east-1/service/aws4_request", canonical)
        );
    }

    [Fact]
    public async Task A_request_signed_with_another_secret_is_refused_in_AWSs_words()
    {
        var suiteCase = Suite["post-x-www-form-urlencoded"];
        var canonical = Canonical("post-x-www-form-urlencoded");
        var forged = SigV4Verifier.Signature("not-the-secret", AmzDate, "us-east-1", "service", canonical);

        var outcome = await new SigV4Verifier("service").VerifyAsync(
            Request(suiteCase, forged),
            Secrets,
            CancellationToken.None
        );

        Assert.Equal("SignatureDoesNotMatch", outcome.ErrorCode);
        Assert.StartsWith("The request signature we calculated does not match", outcome.ErrorMessage);
    }

    [Fact]
    public async Task A_body_changed_after_signing_is_refused()
    {
        var suiteCase = Suite["post-x-www-form-urlencoded"] with { Body = "Param1=value2" };

        var outcome = await new SigV4Verifier("service").VerifyAsync(
            Request(suiteCase, suiteCase.Signature),
            Secrets,
            CancellationToken.None
        );

        Assert.Equal("XAmzContentSHA256Mismatch", outcome.ErrorCode);
    }

    [Fact]
    public async Task An_access_key_the_service_does_not_know_is_an_authentication_failure()
    {
        var suiteCase = Suite["get-vanilla"];

        var outcome = await new SigV4Verifier("service").VerifyAsync(
            Request(suiteCase, suiteCase.Signature),
            _ => null,
            CancellationToken.None
        );

        Assert.Equal("AuthFailure", outcome.ErrorCode);
        Assert.Equal("AWS was not able to validate the provided access credentials", outcome.ErrorMessage);
    }

    [Fact]
    public async Task A_request_signed_for_another_service_or_long_ago_is_refused()
    {
        var suiteCase = Suite["get-vanilla"];
        var now = new FixedClock(new DateTimeOffset(2015, 8, 30, 13, 0, 0, TimeSpan.Zero));

        var otherService = await new SigV4Verifier("ec2", now).VerifyAsync(
            Request(suiteCase, suiteCase.Signature),
            Secrets,
            CancellationToken.None
        );
        var late = await new SigV4Verifier("service", now).VerifyAsync(
            Request(suiteCase, suiteCase.Signature),
            Secrets,
            CancellationToken.None
        );

        Assert.Equal("SignatureDoesNotMatch", otherService.ErrorCode);
        Assert.Equal("RequestExpired", late.ErrorCode);
    }

    private static string? Secrets(string key) => key == KeyId ? Secret : null;

    private static string Canonical(string name)
    {
        var suiteCase = Suite[name];
        return SigV4Verifier.CanonicalRequest(
            Request(suiteCase, suiteCase.Signature),
            suiteCase.SignedHeaders.Split(';'),
            suiteCase.Body.Length == 0 ? EmptyHash : FormHash
        );
    }

    /// <summary>The request as a server receives it: the suite's, with its X-Amz-Date and Authorization.</summary>
    private static HttpRequest Request(SuiteCase suiteCase, string signature)
    {
        var request = new DefaultHttpContext().Request;
        request.Method = suiteCase.Method;
        request.Path = suiteCase.Path;
        request.QueryString = new QueryString(suiteCase.Query.Length == 0 ? null : suiteCase.Query);
        foreach (var header in suiteCase.Headers)
        {
            var colon = header.IndexOf(':', StringComparison.Ordinal);
            request.Headers.Append(header[..colon], header[(colon + 1)..]);
        }
        request.Headers["X-Amz-Date"] = AmzDate;
        request.Headers.Authorization =
            $"AWS4-HMAC-SHA256 Credential={KeyId}/20150830/us-east-1/service/aws4_request, "
            + $"SignedHeaders={suiteCase.SignedHeaders}, Signature={signature}";
        request.Body = new MemoryStream(Encoding.UTF8.GetBytes(suiteCase.Body));
        return request;
    }

    private sealed class FixedClock(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }
}
