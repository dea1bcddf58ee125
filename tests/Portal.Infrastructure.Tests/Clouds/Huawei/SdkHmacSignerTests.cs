using Portal.Infrastructure.Clouds.Providers.Huawei;

namespace Portal.Infrastructure.Tests.Clouds.Huawei;

/// <summary>
/// The signer against the worked example of Huawei Cloud's "API Request Signing Guide" (AK/SK signing and
/// authentication algorithm: "Constructing a Canonical Request", "Creating a String to Sign", "Calculating the
/// Signature", "Adding the Signature to the Request Header",
/// https://support.huaweicloud.com/intl/en-us/devg-apisign/api-sign-algorithm-002.html to -005.html): a VPC list
/// query to service.region.example.com at 20191115T033655Z with the access key QTWAOYTTINDUT2QVKYUC and the secret
/// key MFyfvK41ba2giqM7Uio6PznpdUKGpownRZlmVmHc, every value below copied from that guide.
/// </summary>
public sealed class SdkHmacSignerTests
{
    private const string EmptyBodyHash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

    private static SdkHmacSignature SignThePublishedExample() =>
        SdkHmacSigner.Sign(
            "GET",
            "/v1/77b6a44cba5143ab91d13ab9a8ff44fd/vpcs",
            [new("marker", "13551d6b-755d-4757-b956-536f674975c0"), new("limit", "2")],
            new Dictionary<string, string>
            {
                ["Content-Type"] = "application/json",
                ["Host"] = "service.region.example.com",
                ["X-Sdk-Date"] = "20191115T033655Z",
            },
            EmptyBodyHash,
            "QTWAOYTTINDUT2QVKYUC",
            "MFyfvK41ba2giqM7Uio6PznpdUKGpownRZlmVmHc"
        );

    [Fact]
    public void The_canonical_request_is_the_one_Huawei_publishes_with_its_trailing_slash()
    {
        var signature = SignThePublishedExample();

        Assert.Equal(
            "GET\n"
                + "/v1/77b6a44cba5143ab91d13ab9a8ff44fd/vpcs/\n"
                + "limit=2&marker=13551d6b-755d-4757-b956-536f674975c0\n"
                + "content-type:application/json\n"
                + "host:service.region.example.com\n"
                + "x-sdk-date:20191115T033655Z\n"
                + "\n"
                + "content-type;host;x-sdk-date\n"
                + EmptyBodyHash,
            signature.CanonicalRequest
        );
    }

    [Fact]
    public void The_string_to_sign_signature_and_authorization_are_the_published_ones()
    {
        var signature = SignThePublishedExample();

        Assert.Equal(
            "SDK-HMAC-SHA256\n20191115T033655Z\nb25362e603ee30f4f25e7858e8a7160fd36e803bb2dfe206278659d71a9bcd7a",
            signature.StringToSign
        );
        Assert.Equal("7be6668032f70418fcc22abc52071e57aff61b84a1d2381bb430d6870f4f6ebe", signature.Signature);
        Assert.Equal(
            "SDK-HMAC-SHA256 Access=QTWAOYTTINDUT2QVKYUC, SignedHeaders=content-type;host;x-sdk-date, "
                + "Signature=7be6668032f70418fcc22abc52071e57aff61b84a1d2381bb430d6870f4f6ebe",
            signature.Authorization
        );
    }

    [Fact]
    public void A_path_that_ends_in_a_slash_gets_no_second_one_and_values_are_encoded_by_RFC_3986()
    {
        Assert.Equal("/v1/p/cloudservers/", SdkHmacSigner.CanonicalUri("/v1/p/cloudservers/"));
        Assert.Equal("tags=portal-host%3Dh%201", SdkHmacSigner.CanonicalQuery([new("tags", "portal-host=h 1")]));
    }
}
