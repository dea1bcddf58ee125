using Microsoft.AspNetCore.Html;

namespace Portal.Web.Common;

public enum FieldKind
{
    Text,
    Number,
    Lines,
    Password,
    Email,
    Url,
    Select,
    Checkbox,

    /// <summary>A number the browser steps through (<c>type="number"</c>), bounded by Min, Max and Step.</summary>
    Spin,

    /// <summary>Several checkboxes under one name, one per option, in a fieldset whose legend is the label.</summary>
    Choices,

    /// <summary>A file to upload; <see cref="FormField.Accept"/> says which.</summary>
    File,
}

/// <summary>
/// One choice of a <see cref="FieldKind.Select"/> or <see cref="FieldKind.Choices"/> field; options with the same
/// group stand together under it (an optgroup).
/// </summary>
public sealed record FieldOption(string Value, string Text, bool Selected = false)
{
    public string? Group { get; init; }

    /// <summary>The checkbox's id in a list of choices, where a test or link refers to it; else numbered.</summary>
    public string? Id { get; init; }
}

/// <summary>
/// One field of a form as <c>_Field.cshtml</c> draws it: the label (marked when required), the input, help text that
/// says what to write (an example is help, never a placeholder that looks like a value), and every refusal of the
/// field's model-state key under it, linked to the input for screen readers.
/// </summary>
public sealed record FormField(string Name, string Label, string? Value)
{
    private readonly string? _id;

    /// <summary>
    /// The input's id: its name with '.' as '_', unless the page keeps another one (that tests and links refer to).
    /// </summary>
    public string Id
    {
        get => _id ?? Name.Replace('.', '_');
        init => _id = value;
    }

    public FieldKind Kind { get; init; } = FieldKind.Text;
    public bool Required { get; init; }
    public string? Help { get; init; }
    public bool ReadOnly { get; init; }
    public bool Monospace { get; init; }
    public int Rows { get; init; } = 3;
    public int? MaxLength { get; init; }
    public string? Autocomplete { get; init; }
    public bool Autofocus { get; init; }

    /// <summary>Marks the label "(optional)" where a form mixes required and optional fields.</summary>
    public bool Optional { get; init; }

    /// <summary>Help with markup (code, links) that the page writes itself; drawn after <see cref="Help"/>.</summary>
    public IHtmlContent? HelpContent { get; init; }

    /// <summary>Lays a list of choices out side by side rather than one under another.</summary>
    public bool Inline { get; init; }

    /// <summary>
    /// The keyboard a phone shows for a text input (<c>decimal</c> for a threshold); a Number field asks for numeric.
    /// </summary>
    public string? InputMode { get; init; }

    public string? Min { get; init; }
    public string? Max { get; init; }
    public string? Step { get; init; }

    /// <summary>
    /// The file types a <see cref="FieldKind.File"/> field takes, as the accept attribute lists them.
    /// </summary>
    public string? Accept { get; init; }

    /// <summary>
    /// The data-* attributes the page's script reads from the input, written as given (their values encoded).
    /// </summary>
    public IReadOnlyDictionary<string, string> Data { get; init; } = new Dictionary<string, string>();

    /// <summary>The choices of a select field, in the order it lists them.</summary>
    public IReadOnlyList<FieldOption> Options { get; init; } = [];

    /// <summary>Whether a checkbox is ticked; it posts <see cref="Value"/>, or "true" without one.</summary>
    public bool Checked { get; init; }

    /// <summary>The grid column the field takes in its row.</summary>
    public string Width { get; init; } = "col-md-6";

    /// <summary>
    /// The id of the element that holds the field's refusals, where a page or test refers to it by name.
    /// </summary>
    public string? ErrorId { get; init; }

    /// <summary>
    /// The model-state key whose refusals the field shows: its name unless the form binds it under a prefix.
    /// </summary>
    public string? ErrorKey { get; init; }

    public string Key => ErrorKey ?? Name;

    /// <summary>The input's type: password, email or url for those kinds, text for the rest.</summary>
    public string InputType =>
        Kind switch
        {
            FieldKind.Password => "password",
            FieldKind.Email => "email",
            FieldKind.Url => "url",
            FieldKind.Spin => "number",
            FieldKind.File => "file",
            _ => "text",
        };

    public bool HasHelp => Help is not null || HelpContent is not null;

    public string HelpId => $"{Id}-help";
    public string ErrorElementId => ErrorId ?? $"{Id}-error";
}
