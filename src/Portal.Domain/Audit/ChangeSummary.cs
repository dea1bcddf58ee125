using System.Text;

namespace Portal.Domain.Audit;

/// <summary>Builds the readable "before → after" line kept with an update's audit event.</summary>
public sealed class ChangeSummary
{
    private readonly StringBuilder _text = new();

    public ChangeSummary Field(string name, object? before, object? after)
    {
        if (Equals(before, after))
            return this;
        if (_text.Length > 0)
            _text.Append("; ");
        _text.Append(name).Append(": '").Append(before).Append("' → '").Append(after).Append('\'');
        return this;
    }

    public bool IsEmpty => _text.Length == 0;

    public override string ToString() => _text.ToString();
}
