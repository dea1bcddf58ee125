using Portal.Domain.Audit;

namespace Portal.Domain.Tests;

public sealed class ChangeSummaryTests
{
    [Fact]
    public void Only_changed_fields_are_listed_with_before_and_after()
    {
        var summary = new ChangeSummary()
            .Field("display name", "Acme", "Acme Corp")
            .Field("status", "Active", "Active");

        Assert.Equal("display name: 'Acme' → 'Acme Corp'", summary.ToString());
    }

    [Fact]
    public void A_summary_without_changes_is_empty() =>
        Assert.True(new ChangeSummary().Field("role", "Viewer", "Viewer").IsEmpty);
}
