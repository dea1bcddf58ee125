using Portal.Infrastructure.Clouds.Providers.Alibaba;

namespace Portal.Infrastructure.Tests.Clouds.Alibaba;

/// <summary>
/// The signer against the worked example of Alibaba Cloud's "Request syntax and signature method V3"
/// (https://www.alibabacloud.com/help/en/sdk/product-overview/v3-request-structure-and-signature, section "Signature
/// example", fixed parameters): a RunInstances call to ecs.cn-shanghai.aliyuncs.com with the AccessKey
/// YourAccessKeyId / YourAccessKeySecret, every value below copied from that document.
/// </summary>
public sealed class AcsRequestSignerTests
{
    private const string EmptyBodyHash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

    private static AcsSignature SignThePublishedExample() =>
        AcsRequestSigner.Sign(
            "POST",
            "/",
            [new("ImageId", "win2019_1809_x64_dtc_zh-cn_40G_alibase_20230811.vhd"), new("RegionId", "cn-shanghai")],
            new Dictionary<string, string>
            {
                ["host"] = "ecs.cn-shanghai.aliyuncs.com",
                ["x-acs-action"] = "RunInstances",
                ["x-acs-version"] = "2014-05-26",
                ["x-acs-date"] = "2023-10-26T10:22:32Z",
                ["x-acs-signature-nonce"] = "3156853299f313e23d1673dc12e1703d",
                ["x-acs-content-sha256"] = EmptyBodyHash,
            },
            "YourAccessKeyId",
            "YourAccessKeySecret"
        );

    [Fact]
    public void The_canonical_request_is_the_one_Alibaba_publishes_byte_for_byte()
    {
        var signature = SignThePublishedExample();

        Assert.Equal(
            "POST\n"
                + "/\n"
                + "ImageId=win2019_1809_x64_dtc_zh-cn_40G_alibase_20230811.vhd&RegionId=cn-shanghai\n"
                + "host:ecs.cn-shanghai.aliyuncs.com\n"
                + "x-acs-action:RunInstances\n"
                + $"x-acs-content-sha256:{EmptyBodyHash}\n"
                + "x-acs-date:2023-10-26T10:22:32Z\n"
                + "x-acs-signature-nonce:3156853299f313e23d1673dc12e1703d\n"
                + "x-acs-version:2014-05-26\n"
                + "\n"
                + "host;x-acs-action;x-acs-content-sha256;x-acs-date;x-acs-signature-nonce;x-acs-version\n"
                + EmptyBodyHash,
            signature.CanonicalRequest
        );
    }

    [Fact]
    public void The_string_to_sign_signature_and_authorization_are_the_published_ones()
    {
        var signature = SignThePublishedExample();

        Assert.Equal(
            "ACS3-HMAC-SHA256\n7ea06492da5221eba5297e897ce16e55f964061054b7695beedaac1145b1e259",
            signature.StringToSign
        );
        Assert.Equal("06563a9e1b43f5dfe96b81484da74bceab24a1d853912eee15083a6f0f3283c0", signature.Signature);
        Assert.Equal(
            "ACS3-HMAC-SHA256 Credential=YourAccessKeyId,"
                + "SignedHeaders=host;x-acs-action;x-acs-content-sha256;x-acs-date;x-acs-signature-nonce;x-acs-version,"
                + "Signature=06563a9e1b43f5dfe96b81484da74bceab24a1d853912eee15083a6f0f3283c0",
            signature.Authorization
        );
    }

    [Fact]
    public void Query_values_are_encoded_by_RFC_3986_with_a_space_as_percent_20()
    {
        Assert.Equal("a%20b%2Ac%2Bd%2Fe~f%3D", AcsRequestSigner.PercentEncode("a b*c+d/e~f="));
        Assert.Equal(
            "Tag.1.Key=portal-host&Tag.1.Value=h%C3%A9",
            AcsRequestSigner.CanonicalQuery([new("Tag.1.Value", "hé"), new("Tag.1.Key", "portal-host")])
        );
    }
}
