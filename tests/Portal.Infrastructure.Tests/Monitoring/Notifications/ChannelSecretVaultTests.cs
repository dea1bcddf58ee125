using Portal.Infrastructure.Monitoring.Notifications;

namespace Portal.Infrastructure.Tests.Monitoring.Notifications;

public sealed class ChannelSecretVaultTests
{
    [Fact]
    public void A_new_secret_is_32_random_bytes_in_base64url()
    {
        var secret = ChannelSecretVault.NewSecret();

        Assert.Equal(32, System.Buffers.Text.Base64Url.DecodeFromChars(secret).Length);
        Assert.Matches("^[A-Za-z0-9_-]{43}$", secret);
        Assert.NotEqual(secret, ChannelSecretVault.NewSecret());
    }

    [Fact]
    public void A_sealed_secret_does_not_show_the_secret_and_opens_to_it()
    {
        using var services = new NotificationServices();
        var vault = services.Get<ChannelSecretVault>();
        var secret = ChannelSecretVault.NewSecret();

        var sealedSecret = vault.Seal(secret);

        Assert.DoesNotContain(secret, sealedSecret);
        Assert.Equal(secret, vault.Open(sealedSecret));
    }
}
