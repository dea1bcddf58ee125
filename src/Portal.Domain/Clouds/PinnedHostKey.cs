namespace Portal.Domain.Clouds;

/// <summary>
/// The SSH host key a bare-metal machine showed at first contact; a later contact must show the same.
/// </summary>
public sealed class PinnedHostKey
{
    public Guid AccountId { get; private set; }
    public string Address { get; private set; } = "";
    public string Fingerprint { get; private set; } = "";
    public DateTime PinnedAt { get; private set; }

    private PinnedHostKey() { }

    public PinnedHostKey(Guid accountId, string address, string fingerprint, DateTime now)
    {
        AccountId = accountId;
        Address = address;
        Fingerprint = fingerprint;
        PinnedAt = now;
    }
}
