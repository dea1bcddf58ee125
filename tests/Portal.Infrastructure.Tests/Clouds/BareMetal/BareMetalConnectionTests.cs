using Portal.Infrastructure.Clouds.Providers;

namespace Portal.Infrastructure.Tests.Clouds.BareMetal;

/// <summary>Host key pinning and logging in, against a real sshd (see <see cref="LocalSshServer"/>).</summary>
public sealed class BareMetalConnectionTests
{
    private readonly InMemoryHostKeyPins _pins = new();

    [SkippableFact]
    public async Task The_host_key_is_pinned_at_first_contact_with_the_fingerprint_ssh_keygen_prints()
    {
        LocalSshServer.RequireSshd();
        await using var server = await LocalSshServer.StartAsync();
        var access = BareMetalAccounts.For([server]);

        var said = await BareMetalAccounts.Provider(_pins).CheckAsync(access, CancellationToken.None);

        Assert.Equal("1 machine reachable", said);
        var pin = Assert.Single(_pins.Pins);
        Assert.Equal((access.AccountId, server.Address), pin.Key);
        Assert.Equal(await server.HostKeyFingerprintAsync(), pin.Value);
        Assert.StartsWith("SHA256:", pin.Value, StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task A_changed_host_key_is_refused_before_logging_in_and_the_old_pin_stays()
    {
        LocalSshServer.RequireSshd();
        await using var server = await LocalSshServer.StartAsync();
        var access = BareMetalAccounts.For([server]);
        var provider = BareMetalAccounts.Provider(_pins);
        await provider.CheckAsync(access, CancellationToken.None);
        var pinned = await server.HostKeyFingerprintAsync();

        await server.RestartWithNewHostKeyAsync();
        var offered = await server.HostKeyFingerprintAsync();
        var refusal = await Assert.ThrowsAsync<CloudRefusal>(() => provider.CheckAsync(access, CancellationToken.None));

        Assert.NotEqual(pinned, offered);
        Assert.Equal(CloudRefusalKind.Credentials, refusal.Kind);
        Assert.Contains(
            $"The host key of {server.Address} changed: pinned {pinned}, offered {offered} — if the machine was "
                + "reinstalled, remove its pin",
            refusal.Message,
            StringComparison.Ordinal
        );
        Assert.Equal(pinned, _pins.Pins[(access.AccountId, server.Address)]);
        Assert.DoesNotContain("Accepted publickey", server.Log, StringComparison.Ordinal);
        Assert.DoesNotContain("Accepted key", server.Log, StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task A_key_the_machine_does_not_authorize_is_refused_in_ssh_words()
    {
        LocalSshServer.RequireSshd();
        await using var server = await LocalSshServer.StartAsync();
        var stranger = await server.NewClientKeyAsync();
        var access = BareMetalAccounts.For([server], privateKey: stranger);

        var refusal = await Assert.ThrowsAsync<CloudRefusal>(() =>
            BareMetalAccounts.Provider(_pins).CheckAsync(access, CancellationToken.None)
        );

        Assert.Equal(CloudRefusalKind.Credentials, refusal.Kind);
        Assert.Contains($"{server.UserName}@{server.Address}: Permission denied (publickey)", refusal.Message);
    }

    [SkippableFact]
    public async Task A_password_the_machine_does_not_take_is_refused_in_ssh_words()
    {
        LocalSshServer.RequireSshd();
        await using var server = await LocalSshServer.StartAsync(passwordAuthentication: true);
        var access = BareMetalAccounts.For([server], privateKey: "", password: "not the password");

        var refusal = await Assert.ThrowsAsync<CloudRefusal>(() =>
            BareMetalAccounts.Provider(_pins).CheckAsync(access, CancellationToken.None)
        );

        Assert.Equal(CloudRefusalKind.Credentials, refusal.Kind);
        Assert.Contains($"{server.UserName}@{server.Address}: Permission denied (password)", refusal.Message);
        Assert.DoesNotContain("not the password", refusal.Message, StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task A_key_with_a_passphrase_logs_in_with_it_and_is_refused_without_it()
    {
        LocalSshServer.RequireSshd();
        await using var server = await LocalSshServer.StartAsync();
        var key = await server.NewClientKeyAsync(passphrase: "correct horse", authorize: true);
        var provider = BareMetalAccounts.Provider(_pins);

        var said = await provider.CheckAsync(
            BareMetalAccounts.For([server], privateKey: key, keyPassphrase: "correct horse"),
            CancellationToken.None
        );
        var refusal = await Assert.ThrowsAsync<CloudRefusal>(() =>
            provider.CheckAsync(BareMetalAccounts.For([server], privateKey: key), CancellationToken.None)
        );

        Assert.Equal("1 machine reachable", said);
        Assert.Equal(CloudRefusalKind.Credentials, refusal.Kind);
        Assert.Equal("The private key is encrypted and no passphrase is given", refusal.Message);
    }

    [SkippableFact]
    public async Task A_machine_that_does_not_answer_is_unavailable_and_named()
    {
        LocalSshServer.RequireSshd();
        await using var up = await LocalSshServer.StartAsync();
        await using var down = await LocalSshServer.StartAsync();
        await down.StopAsync();
        var access = BareMetalAccounts.For([up, down]);

        var refusal = await Assert.ThrowsAsync<CloudRefusal>(() =>
            BareMetalAccounts.Provider(_pins).CheckAsync(access, CancellationToken.None)
        );

        Assert.Equal(CloudRefusalKind.Unavailable, refusal.Kind);
        Assert.StartsWith($"1 of 2 machines could not be used: {down.Address}: ", refusal.Message);
        Assert.Contains("refused", refusal.Message, StringComparison.OrdinalIgnoreCase);
    }
}
