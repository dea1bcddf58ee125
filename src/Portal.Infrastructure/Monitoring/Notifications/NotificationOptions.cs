namespace Portal.Infrastructure.Monitoring.Notifications;

public sealed class NotificationOptions
{
    public const string Section = "Portal:Monitoring:Notifications";

    /// <summary>
    /// Lets webhooks reach loopback, private and link-local addresses; for a portal that only talks to its own network.
    /// </summary>
    public bool AllowPrivateTargets { get; set; }

    /// <summary>Host names, addresses or CIDR ranges a webhook may reach even though they are private.</summary>
    public List<string> AllowedTargets { get; set; } = [];

    public int WebhookAttempts { get; set; } = 4;

    /// <summary>The wait before the second attempt; each later wait doubles.</summary>
    public TimeSpan WebhookFirstRetryDelay { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>How long one attempt may take, connecting included.</summary>
    public TimeSpan WebhookTimeout { get; set; } = TimeSpan.FromSeconds(10);

    public SmtpOptions Smtp { get; set; } = new();
}

public sealed class SmtpOptions
{
    public static readonly string[] SecurityModes = ["Auto", "None", "StartTls", "SslOnConnect"];

    /// <summary>Empty means e-mail channels cannot deliver; they report that instead of failing silently.</summary>
    public string Host { get; set; } = "";

    public int Port { get; set; } = 25;
    public string From { get; set; } = "";
    public string Username { get; set; } = "";
    public string Password { get; set; } = "";

    /// <summary>"Auto" (TLS when the port or server offers it), "None", "StartTls" or "SslOnConnect".</summary>
    public string Security { get; set; } = "Auto";

    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(30);
}
