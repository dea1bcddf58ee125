using Portal.Domain.Builds;

namespace Portal.Domain.Tests.Builds;

public sealed class GitCredentialTests
{
    // ssh-keygen -t ed25519 -N "" : a throwaway key made for this test, unencrypted.
    private const string OpenSshKey = """
        -----BEGIN OPENSSH PRIVATE KEY-----
        b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW
        QyNTUxOQAAACBiWpx9Pi+wtwQ5/7JyEnlKndrdY0sYaK65bjtgHYy2FwAAAJgT4U3tE+FN
        7QAAAAtzc2gtZWQyNTUxOQAAACBiWpx9Pi+wtwQ5/7JyEnlKndrdY0sYaK65bjtgHYy2Fw
        AAAEByQM36HPNZwm97uT4FYnVjRq6Bu9extMiCpcIJzETtg2JanH0+L7C3BDn/snISeUqd
        2t1jSxhorrluO2AdjLYXAAAAEHRlc3RAZXhhbXBsZS5jb20BAgMEBQ==
        -----END OPENSSH PRIVATE KEY-----
        """;

    // The same, protected by the passphrase "pass".
    private const string EncryptedOpenSshKey = """
        -----BEGIN OPENSSH PRIVATE KEY-----
        b3BlbnNzaC1rZXktdjEAAAAACmFlczI1Ni1jdHIAAAAGYmNyeXB0AAAAGAAAABBFg22Mw8
        Yo9BSagq12UmnAAAAAEAAAAAEAAAAzAAAAC3NzaC1lZDI1NTE5AAAAICd8JIyWatYVsXiH
        2JMTzq9aspBrV0MraroXgwvGjrH7AAAAkEtGi07pvID9Uhk7a2q2mCzgsdNPBXkdqvmhmn
        qTpNWORlgZV+5QxpYNrp7kwNaob3zP1OcO3dqanP1RL/BBt+RgwFIjJ2LFmZQuf1KGN7Mk
        p7yDXNuHooDCpkWifJ+VWpluGvcYJRwBMqmtfrqwCQpkslwg+wsWJZIgfdSBdqiA2hhm9T
        Jcn3j093sZQtQHFA==
        -----END OPENSSH PRIVATE KEY-----
        """;

    [Fact]
    public void A_token_goes_with_a_fixed_user_name_and_never_shows_in_its_text()
    {
        var credential = GitCredential.Create(GitCredentialKind.Token, null, "ghp_secret", GitTransport.Https).Value;

        Assert.Equal(GitCredential.TokenUserName, credential.UserName);
        Assert.Equal("ghp_secret", credential.Secret);
        Assert.DoesNotContain("ghp_secret", credential.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain(
            "ghp_secret",
            new GitRemote("https://x/y.git", credential).ToString(),
            StringComparison.Ordinal
        );
    }

    [Fact]
    public void A_password_needs_a_user_name()
    {
        var result = GitCredential.Create(GitCredentialKind.UserPassword, " ", "pw", GitTransport.Https);

        Assert.Equal("UserName", result.Problem!.Field);
    }

    [Theory]
    [InlineData(GitCredentialKind.Token, GitTransport.Ssh)]
    [InlineData(GitCredentialKind.UserPassword, GitTransport.Ssh)]
    [InlineData(GitCredentialKind.SshKey, GitTransport.Https)]
    public void A_credential_that_does_not_suit_the_transport_is_refused(GitCredentialKind kind, GitTransport transport)
    {
        var result = GitCredential.Create(kind, "user", OpenSshKey, transport);

        Assert.Equal("CredentialKind", result.Problem!.Field);
    }

    [Fact]
    public void An_empty_secret_is_refused() =>
        Assert.Equal(
            "Secret",
            GitCredential.Create(GitCredentialKind.Token, null, "", GitTransport.Https).Problem!.Field
        );

    [Fact]
    public void A_token_with_a_line_break_is_refused() =>
        Assert.Contains(
            "line break",
            GitCredential.Create(GitCredentialKind.Token, null, "abc\ndef", GitTransport.Https).Problem!.Message
        );

    [Fact]
    public void An_unencrypted_openssh_key_is_accepted_and_ends_with_a_line_break()
    {
        var credential = GitCredential.Create(GitCredentialKind.SshKey, null, OpenSshKey, GitTransport.Ssh).Value;

        Assert.EndsWith("-----END OPENSSH PRIVATE KEY-----\n", credential.Secret, StringComparison.Ordinal);
    }

    [Fact]
    public void An_openssh_key_protected_by_a_passphrase_is_refused() =>
        Assert.Contains(
            "passphrase",
            GitCredential.Create(GitCredentialKind.SshKey, null, EncryptedOpenSshKey, GitTransport.Ssh).Problem!.Message
        );

    [Theory]
    [InlineData("ssh-ed25519 AAAAC3Nza... user@host", "private key's text")]
    [InlineData(
        "-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nabc\n-----END RSA PRIVATE KEY-----",
        "passphrase"
    )]
    [InlineData("-----BEGIN OPENSSH PRIVATE KEY-----\n!!!\n-----END OPENSSH PRIVATE KEY-----", "damaged")]
    public void A_public_key_an_encrypted_key_or_a_damaged_one_is_refused(string key, string reason)
    {
        var result = GitCredential.Create(GitCredentialKind.SshKey, null, key, GitTransport.Ssh);

        Assert.Equal("Secret", result.Problem!.Field);
        Assert.Contains(reason, result.Problem.Message, StringComparison.Ordinal);
    }
}
