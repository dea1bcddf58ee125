using Portal.Infrastructure.Pipelines;

namespace Portal.Infrastructure.Tests.Pipelines;

public sealed class PipelineSchedulesTests
{
    private static readonly DateTime Now = new(2026, 12, 7, 3, 10, 30, DateTimeKind.Utc);

    [Fact]
    public void A_schedule_is_due_at_its_latest_occurrence_since_it_last_started()
    {
        Assert.Equal(
            new DateTime(2026, 12, 7, 3, 0, 0, DateTimeKind.Utc),
            PipelineSchedules.DueOccurrence("0 * * * *", Now.AddHours(-5), Now)
        );
        Assert.Equal(
            new DateTime(2026, 12, 7, 3, 10, 0, DateTimeKind.Utc),
            PipelineSchedules.DueOccurrence("*/5 * * * *", Now.AddMinutes(-7), Now)
        );
    }

    [Fact]
    public void A_schedule_whose_next_occurrence_is_still_to_come_is_not_due()
    {
        Assert.Null(
            PipelineSchedules.DueOccurrence("0 * * * *", new DateTime(2026, 12, 7, 3, 0, 0, DateTimeKind.Utc), Now)
        );
        Assert.Null(PipelineSchedules.DueOccurrence("0 4 * * *", Now.AddMinutes(-30), Now));
        Assert.Null(PipelineSchedules.DueOccurrence("* * * * *", Now, Now));
    }

    [Fact]
    public void A_schedule_missed_for_long_starts_once_at_its_latest_occurrence()
    {
        Assert.Equal(
            new DateTime(2026, 12, 7, 3, 10, 0, DateTimeKind.Utc),
            PipelineSchedules.DueOccurrence("* * * * *", Now.AddDays(-400), Now)
        );
        Assert.Equal(
            new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc),
            PipelineSchedules.DueOccurrence("0 0 1 1 *", Now.AddDays(-400), Now)
        );
        Assert.Equal(
            new DateTime(2026, 11, 30, 3, 0, 0, DateTimeKind.Utc),
            PipelineSchedules.DueOccurrence(
                "0 3 * * 1",
                new DateTime(2026, 11, 25, 0, 0, 0, DateTimeKind.Utc),
                new DateTime(2026, 12, 6, 12, 0, 0, DateTimeKind.Utc)
            )
        );
    }
}
