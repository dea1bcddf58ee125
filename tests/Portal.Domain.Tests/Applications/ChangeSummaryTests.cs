using Portal.Domain.Audit;

namespace Portal.Domain.Tests.Applications;

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

public sealed class AuditEventTests
{
    [Fact]
    public void Overlong_values_are_clipped_to_their_columns_instead_of_failing_the_change()
    {
        var actor = new Actor(null, new string('a', 400), "127.0.0.1");

        var audit = new AuditEvent(
            actor,
            null,
            null,
            "access.denied",
            "endpoint",
            "POST /" + new string('p', 500),
            AuditOutcome.Denied,
            DateTime.UtcNow,
            new string('s', 5000)
        );

        Assert.Equal(AuditEvent.MaxActorNameLength, audit.ActorName.Length);
        Assert.Equal(AuditEvent.MaxTargetIdLength, audit.TargetId.Length);
        Assert.Equal(AuditEvent.MaxSummaryLength, audit.Summary!.Length);
        Assert.EndsWith("…", audit.TargetId);
    }
}
