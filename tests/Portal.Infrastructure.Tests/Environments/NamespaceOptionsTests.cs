using Portal.Infrastructure.Environments;

namespace Portal.Infrastructure.Tests.Environments;

public sealed class NamespaceOptionsTests
{
    [Fact]
    public void The_portal_does_not_start_with_a_reserved_entry_it_cannot_read_and_says_which()
    {
        var validation = new NamespaceOptionsValidation();

        var refused = validation.Validate(null, new NamespaceOptions { Reserved = ["portal-system", "Corp_*"] });
        var accepted = validation.Validate(null, new NamespaceOptions { Reserved = ["portal-system", "corp-*"] });

        Assert.True(refused.Failed);
        Assert.Contains("'Corp_*'", refused.FailureMessage);
        Assert.True(accepted.Succeeded);
    }
}
