namespace Portal.Web.Monitoring;

/// <summary>The new-channel forms as posted: a webhook takes a URL, an e-mail channel its recipients.</summary>
public sealed class ChannelForm
{
    public string? Name { get; set; }
    public string? Url { get; set; }

    /// <summary>E-mail addresses separated by commas, semicolons or line breaks.</summary>
    public string? Recipients { get; set; }
}
