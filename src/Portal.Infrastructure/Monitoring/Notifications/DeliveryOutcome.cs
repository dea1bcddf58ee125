namespace Portal.Infrastructure.Monitoring.Notifications;

/// <summary>
/// What became of one delivery: <paramref name="Error"/> says why it failed, for the people who own the channel.
/// </summary>
public sealed record DeliveryOutcome(bool Delivered, int Attempts, string? Error)
{
    public static DeliveryOutcome Success(int attempts) => new(true, attempts, null);

    public static DeliveryOutcome Failure(int attempts, string error) => new(false, attempts, error);
}
