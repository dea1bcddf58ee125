using System.Text;

namespace Portal.Web.Tests.Faults;

public enum MalformedCase
{
    WrongTypes,
    MissingFields,
    HugeString,
    ControlCharacters,
    InvalidUtf8,
    DeepNesting,
    WrongContentType,
    TruncatedBody,
    BogusFields,
    HugeNumbers,
    NegativeNumbers,
    DuplicateKeys,
    MalformedRouteValue,
    GarbledAntiforgery,
}

/// <summary>
/// One malformed request: the endpoint, what is wrong with it, and the seed its bytes are made from (made when sent,
/// so that ten thousand bodies of up to a megabyte are never held at once).
/// </summary>
public sealed record MalformedRequest(ChangingEndpoint Endpoint, MalformedCase Case, int Seed);

/// <summary>What goes over the wire for a <see cref="MalformedRequest"/>.</summary>
public sealed record MalformedMessage(string Url, byte[] Body, string? ContentType, string? Antiforgery)
{
    public string BodyStart(int count = 80)
    {
        var head = Encoding.UTF8.GetString(Body, 0, Math.Min(count, Body.Length));
        var printable = new StringBuilder();
        foreach (var c in head)
            printable.Append(char.IsControl(c) ? $"\\u{(int)c:x4}" : c.ToString());
        return $"{printable}{(Body.Length > count ? $"… ({Body.Length} bytes)" : "")}";
    }
}

/// <summary>
/// Makes malformed requests, the same ones for the same seed: every case breaks something the endpoint reads (a
/// field it binds, its body as a whole, or its route values when it reads nothing else), so that a request that
/// changes anything is one the portal should have refused.
/// </summary>
public static class MalformedRequests
{
    public const string AntiforgeryValid = "valid";
    public const string AntiforgeryGarbled = "garbled";
    private const int Megabyte = 1 << 20;
    private const int Depth = 10_000;

    public static IReadOnlyList<MalformedRequest> Generate(
        IReadOnlyList<ChangingEndpoint> endpoints,
        int count,
        int seed
    )
    {
        var random = new Random(seed);
        var requests = new List<MalformedRequest>(count);
        for (var i = 0; i < count; i++)
        {
            var endpoint = endpoints[i % endpoints.Count];
            var cases = CasesFor(endpoint);
            requests.Add(new MalformedRequest(endpoint, cases[random.Next(cases.Count)], random.Next()));
        }
        return requests;
    }

    /// <summary>The cases that break something this endpoint reads.</summary>
    public static IReadOnlyList<MalformedCase> CasesFor(ChangingEndpoint endpoint)
    {
        var fields = Flatten(endpoint.AllFields).ToList();
        var anyRequired = fields.Any(f => f.Required);
        var anyNumeric = fields.Any(Numeric);
        var anyNotText = fields.Any(f => f.Readable && f.Kind != FieldKind.Text);
        var anyText = fields.Any(f => f.Kind == FieldKind.Text);
        var garbled = endpoint.IsBrowser ? [MalformedCase.GarbledAntiforgery] : Array.Empty<MalformedCase>();
        switch (endpoint.Shape)
        {
            case InputShape.None:
                return endpoint.RouteParameters.Count > 0 ? [MalformedCase.MalformedRouteValue, .. garbled]
                    : garbled.Length > 0 ? garbled
                    : throw new InvalidOperationException($"{endpoint} reads nothing that could be malformed.");
            case InputShape.RawBody:
                return
                [
                    MalformedCase.HugeString,
                    MalformedCase.ControlCharacters,
                    MalformedCase.InvalidUtf8,
                    MalformedCase.DeepNesting,
                    MalformedCase.WrongContentType,
                    MalformedCase.TruncatedBody,
                    MalformedCase.BogusFields,
                    .. endpoint.RouteParameters.Count > 0 ? new[] { MalformedCase.MalformedRouteValue } : [],
                ];
        }
        var cases = new List<MalformedCase>
        {
            MalformedCase.WrongTypes,
            MalformedCase.DeepNesting,
            MalformedCase.TruncatedBody,
            MalformedCase.BogusFields,
            MalformedCase.DuplicateKeys,
        };
        if (anyRequired)
            cases.Add(MalformedCase.MissingFields);
        if (anyRequired || endpoint.Shape == InputShape.Json)
            cases.Add(MalformedCase.WrongContentType);
        if (anyText)
            cases.AddRange([MalformedCase.HugeString, MalformedCase.ControlCharacters]);
        // A form's invalid UTF-8 is decoded into replacement characters, which free text may hold: it is malformed
        // for sure only where a field is no free text.
        if (endpoint.Shape == InputShape.Json || anyNotText)
            cases.Add(MalformedCase.InvalidUtf8);
        if (anyNumeric)
            cases.AddRange([MalformedCase.HugeNumbers, MalformedCase.NegativeNumbers]);
        // A form without a valid anti-forgery token only tests the anti-forgery filter: a few, not most.
        if (endpoint.IsBrowser && endpoint.Pattern.Length % 4 == 0)
            cases.Add(MalformedCase.GarbledAntiforgery);
        return cases;
    }

    public static MalformedMessage Build(MalformedRequest request, IReadOnlyDictionary<string, string> routeValues)
    {
        var random = new Random(request.Seed);
        var endpoint = request.Endpoint;
        var antiforgery = endpoint.IsBrowser
            ? request.Case == MalformedCase.GarbledAntiforgery
                ? AntiforgeryGarbled
                : AntiforgeryValid
            : null;
        var broken =
            request.Case == MalformedCase.MalformedRouteValue
                ? endpoint.RouteParameters[random.Next(endpoint.RouteParameters.Count)]
                : null;
        var url = Url(endpoint, routeValues, broken, random);
        var (body, contentType) = endpoint.Shape switch
        {
            InputShape.None => Junk(random),
            InputShape.RawBody => RawBody(request.Case, random),
            InputShape.Json => JsonBody(endpoint, request.Case, random),
            _ => FormBody(endpoint, request.Case, random),
        };
        var query =
            endpoint.Query.Count == 0 || endpoint.Shape != InputShape.Json
                ? ""
                : "?"
                    + string.Join(
                        "&",
                        endpoint.Query.Select(q =>
                            $"{q.Name}={Uri.EscapeDataString(FormValue(q, request.Case, random))}"
                        )
                    );
        return new MalformedMessage(url + query, body, contentType, antiforgery);
    }

    private static string Url(
        ChangingEndpoint endpoint,
        IReadOnlyDictionary<string, string> values,
        string? broken,
        Random random
    ) => "/" + System.Text.RegularExpressions.Regex.Replace(endpoint.Pattern, @"\{\**(\w+)(:[^}]*)?\}", m => m.Groups[
                1
            ].Value == broken
                ? BrokenRouteValue(random)
            : values.TryGetValue(m.Groups[1].Value, out var value) ? Uri.EscapeDataString(value)
            : throw new InvalidOperationException(
                $"The route '{endpoint.Pattern}' has a parameter '{m.Groups[1].Value}' the world has no value for."
            ));

    /// <summary>Already escaped for a URL's path.</summary>
    private static string BrokenRouteValue(Random random) =>
        random.Next(10) switch
        {
            0 => new string('x', 64 * 1024),
            // No NUL ("%00"): the in-process test server cannot even build such a request, and Kestrel answers it 400.
            1 => "%C0%80",
            2 => "a%01b%1B%5B2J%7F",
            3 => "%FF%FE%C3%28",
            4 => "-1",
            5 => "99999999999999999999999",
            6 => "..%2F..%2Fetc%2Fpasswd",
            7 => "%E2%80%AEtxt.exe",
            8 => "not%20a%20name",
            _ => "00000000-0000-0000-0000-00000000000Z",
        };

    private static (byte[], string?) Junk(Random random) =>
        random.Next(3) switch
        {
            0 => ([], null),
            1 => (Encoding.UTF8.GetBytes("{\"bogus\":\"\\u0000\""), "application/json"),
            _ => (Encoding.UTF8.GetBytes("bogus=%00&bogus=%FF"), "application/x-www-form-urlencoded"),
        };

    /// <summary>The content types an endpoint reading its own body may expect: each gets what it cannot take.</summary>
    private static readonly string[] RawTypes =
    [
        "application/x-www-form-urlencoded",
        "application/json",
        "text/yaml",
        "multipart/form-data; boundary=b",
        "application/gzip",
    ];

    private static (byte[], string?) RawBody(MalformedCase @case, Random random)
    {
        var type = RawTypes[random.Next(RawTypes.Length)];
        return @case switch
        {
            MalformedCase.HugeString => (Encoding.UTF8.GetBytes("name=" + new string('x', Megabyte)), type),
            MalformedCase.ControlCharacters => (
                Encoding.UTF8.GetBytes("grant_type=\u0000&client_id=\u0001\u001b&x=\u007f\nname: \u0000"),
                type
            ),
            MalformedCase.InvalidUtf8 => ([0xFF, 0xFE, 0xC3, 0x28, 0x80, 0xC0, 0xAF], type),
            MalformedCase.DeepNesting => (Encoding.UTF8.GetBytes(Deep(random)), type),
            MalformedCase.WrongContentType => (Encoding.UTF8.GetBytes("<a><b/></a>"), "application/xml"),
            MalformedCase.TruncatedBody => (
                random.Next(3) switch
                {
                    0 => [0x1F, 0x8B, 0x08, 0x00, 0x00, 0x00],
                    1 => Encoding.UTF8.GetBytes("{\"ref\":\"refs/heads/main\",\"commits\":[{\"id\":"),
                    _ => Encoding.UTF8.GetBytes("--b\r\nContent-Disposition: form-data; name=\"Name\"\r\n\r\nfu"),
                },
                type
            ),
            _ => (Encoding.UTF8.GetBytes("grant_type=bogus&scope=%00&client_id=&client_id=x&name: [&bogus=1"), type),
        };
    }

    private static (byte[], string?) JsonBody(ChangingEndpoint endpoint, MalformedCase @case, Random random)
    {
        var fields = endpoint.Body;
        switch (@case)
        {
            case MalformedCase.InvalidUtf8:
            {
                var text = Json(fields, random, null, _ => "\"" + Marker + "\"");
                return (Splice(text, [0xFF, 0xFE, 0xC3, 0x28, 0xC0, 0xAF]), "application/json");
            }
            case MalformedCase.DeepNesting:
            {
                var target = Pick(fields, random);
                return (
                    Encoding.UTF8.GetBytes(
                        random.Next(2) == 0 ? Deep(random) : Json(fields, random, target, _ => Deep(random))
                    ),
                    "application/json"
                );
            }
            case MalformedCase.WrongContentType:
            {
                var text = Json(fields, random, null, _ => "null");
                return random.Next(4) switch
                {
                    0 => (Encoding.UTF8.GetBytes(text), "text/plain"),
                    1 => (Encoding.UTF8.GetBytes("<request><name>x</name></request>"), "application/xml"),
                    2 => (Encoding.UTF8.GetBytes("name=x&spec=y"), "application/x-www-form-urlencoded"),
                    _ => (Encoding.UTF8.GetBytes(text), null),
                };
            }
            case MalformedCase.TruncatedBody:
            {
                var text = Json(fields, random, null, _ => null);
                return (Encoding.UTF8.GetBytes(text[..random.Next(1, text.Length - 1)]), "application/json");
            }
            case MalformedCase.MissingFields:
                return (Encoding.UTF8.GetBytes(random.Next(2) == 0 ? "{}" : "{\"bogus\":1}"), "application/json");
            case MalformedCase.BogusFields:
            {
                var target = Pick(fields, random, f => f.Kind != FieldKind.Text) ?? Pick(fields, random);
                var known = Json(fields, random, target, f => WrongJson(f, random)).TrimEnd('}');
                var separator = known.Length > 1 ? "," : "";
                return (
                    Encoding.UTF8.GetBytes(
                        known
                            + separator
                            + "\"$type\":\"System.IO.FileInfo\",\"__proto__\":{\"admin\":true},"
                            + "\"bogus\\u0000\":[1,2,3],\"\":\"\"}"
                    ),
                    "application/json"
                );
            }
            case MalformedCase.DuplicateKeys:
            {
                var target = Pick(fields, random, f => f.Kind != FieldKind.Text) ?? Pick(fields, random)!;
                var wrong = WrongJson(target, random);
                var text = Json(fields, random, null, _ => null).TrimEnd('}');
                var pair = $"\"{Leaf(target)}\":{wrong}";
                return (
                    Encoding.UTF8.GetBytes(
                        random.Next(2) == 0
                            ? $"{{{pair},{text.TrimStart('{')}{(text.Length > 1 ? "," : "")}{pair}}}"
                            : $"{text}{(text.Length > 1 ? "," : "")}{pair},{pair}}}"
                    ),
                    "application/json"
                );
            }
        }
        var chosen = ChosenFor(@case, fields, random);
        return (
            Encoding.UTF8.GetBytes(Json(fields, random, chosen, f => BrokenJson(f, @case, random))),
            "application/json"
        );
    }

    private const string Marker = "\u0001MARK\u0001";

    private static byte[] Splice(string text, byte[] invalid)
    {
        var marker = Encoding.UTF8.GetBytes("\"" + Marker + "\"");
        var bytes = Encoding.UTF8.GetBytes(text);
        var at = bytes.AsSpan().IndexOf(marker);
        if (at < 0)
            return [.. bytes[..^1], .. "\"x\":\""u8.ToArray(), .. invalid, .. "\"}"u8.ToArray()];
        return [.. bytes[..(at + 1)], .. invalid, .. bytes[(at + marker.Length - 1)..]];
    }

    private static InputField? ChosenFor(MalformedCase @case, IReadOnlyList<InputField> fields, Random random) =>
        @case switch
        {
            MalformedCase.HugeString or MalformedCase.ControlCharacters => Pick(fields, random, f =>
                f.Kind == FieldKind.Text
            ),
            MalformedCase.HugeNumbers or MalformedCase.NegativeNumbers => Pick(fields, random, Numeric),
            _ => Pick(fields, random, f => f.Kind != FieldKind.Text) ?? Pick(fields, random),
        };

    /// <summary>A JSON object of the fields, placeholders everywhere but <paramref name="target"/>.</summary>
    private static string Json(
        IReadOnlyList<InputField> fields,
        Random random,
        InputField? target,
        Func<InputField, string?> broken
    )
    {
        var builder = new StringBuilder("{");
        foreach (var field in fields)
        {
            var value = (
                ReferenceEquals(field, target) || target is null ? broken(field)
                : Contains(field, target) ? Json(field.Fields, random, target, broken)
                : null
            ) ?? Placeholder(field);
            if (builder.Length > 1)
                builder.Append(',');
            builder.Append('"').Append(Leaf(field)).Append("\":").Append(value);
        }
        return builder.Append('}').ToString();
    }

    private static bool Contains(InputField field, InputField? target) =>
        target is not null && field.Fields.Any(f => ReferenceEquals(f, target) || Contains(f, target));

    private static string Leaf(InputField field) => field.Name[(field.Name.LastIndexOf('.') + 1)..];

    private static string Placeholder(InputField field) =>
        field.Kind switch
        {
            FieldKind.Text => "\"fuzz\"",
            FieldKind.Integer or FieldKind.Number => "1",
            FieldKind.Boolean => "false",
            FieldKind.Identifier => "\"00000000-0000-0000-0000-000000000001\"",
            FieldKind.Moment => "\"2026-01-01T00:00:00Z\"",
            FieldKind.Choice => "\"NoSuchChoice\"",
            FieldKind.Group => "{"
                + string.Join(",", field.Fields.Select(f => $"\"{Leaf(f)}\":{Placeholder(f)}"))
                + "}",
            FieldKind.List => "[]",
            _ => "null",
        };

    private static string BrokenJson(InputField field, MalformedCase @case, Random random) =>
        @case switch
        {
            MalformedCase.HugeString => "\"" + new string('x', Megabyte) + "\"",
            MalformedCase.ControlCharacters => random.Next(2) == 0
                ? "\"a\\u0000b\\u0001\\u0007\\u001b[2J\\u007f\\u0085\\u2028\\ud800\""
                : "\"a\u0001b\tc\u0000\"",
            MalformedCase.HugeNumbers => field.Kind == FieldKind.Text
                ? "\"99999999999999999999999999Gi\""
                : random.Next(3) switch
                {
                    0 => "1e400",
                    1 => "99999999999999999999999999999999",
                    _ => "9223372036854775808",
                },
            MalformedCase.NegativeNumbers => field.Kind == FieldKind.Text ? "\"-5Gi\""
            : random.Next(2) == 0 ? "-1"
            : "-2147483649",
            _ => WrongJson(field, random),
        };

    private static string WrongJson(InputField field, Random random) =>
        field.Kind switch
        {
            FieldKind.Text => random.Next(3) switch
            {
                0 => "12345",
                1 => "[1,2]",
                _ => "{\"a\":true}",
            },
            FieldKind.Integer or FieldKind.Number => random.Next(3) switch
            {
                0 => "\"twelve\"",
                1 => "true",
                _ => "[]",
            },
            FieldKind.Boolean => random.Next(2) == 0 ? "\"maybe\"" : "2",
            FieldKind.Identifier => random.Next(2) == 0 ? "\"not-a-guid\"" : "17",
            FieldKind.Choice => random.Next(2) == 0 ? "\"NoSuchChoice\"" : "999",
            FieldKind.Moment => random.Next(2) == 0 ? "\"yesterday\"" : "12",
            FieldKind.Group => random.Next(2) == 0 ? "\"a string\"" : "[42]",
            FieldKind.List => random.Next(2) == 0 ? "\"not a list\"" : "{\"a\":1}",
            _ => "\"x\"",
        };

    private static string Deep(Random random)
    {
        var (open, close) = random.Next(2) == 0 ? ("[", "]") : ("{\"a\":", "}");
        return new StringBuilder()
            .Insert(0, open, Depth)
            .Append(open == "[" ? "1" : "1")
            .Append(new StringBuilder().Insert(0, close, Depth))
            .ToString();
    }

    private static (byte[], string?) FormBody(ChangingEndpoint endpoint, MalformedCase @case, Random random)
    {
        var fields = Flatten(endpoint.Body).Where(f => f.Readable || f.Kind == FieldKind.File).ToList();
        const string form = "application/x-www-form-urlencoded";
        switch (@case)
        {
            case MalformedCase.MissingFields:
                return (Encoding.UTF8.GetBytes(random.Next(2) == 0 ? "" : "bogus=1"), form);
            case MalformedCase.WrongContentType:
                return random.Next(3) switch
                {
                    0 => (Encoding.UTF8.GetBytes(Json(endpoint.Body, random, null, _ => null)), "application/json"),
                    1 => (Encoding.UTF8.GetBytes("<form><name>x</name></form>"), "application/xml"),
                    _ => (Encoding.UTF8.GetBytes(Form(fields, null, _ => "")), "text/plain"),
                };
            case MalformedCase.TruncatedBody:
            {
                var boundary = "fuzz" + random.Next(1000);
                var first = fields.FirstOrDefault()?.Name ?? "x";
                var text =
                    $"--{boundary}\r\nContent-Disposition: form-data; name=\"{first}\"\r\n\r\nfu"
                    + (random.Next(2) == 0 ? "" : $"\r\n--{boundary}\r\nContent-Disposition: form-da");
                return (Encoding.UTF8.GetBytes(text), $"multipart/form-data; boundary={boundary}");
            }
            case MalformedCase.DeepNesting:
            {
                var target = Pick(fields, random) ?? fields[0];
                var key = target.Name + new StringBuilder().Insert(0, "[0]", Depth);
                return random.Next(2) == 0
                    ? (Encoding.UTF8.GetBytes($"{Uri.EscapeDataString(key)}=1"), form)
                    : (Encoding.UTF8.GetBytes(Form(fields, target, _ => Deep(random))), form);
            }
            case MalformedCase.InvalidUtf8:
            {
                var wrong = Pick(fields, random, f => f.Readable && f.Kind != FieldKind.Text);
                var text = Form(fields, null, f => f.Kind == FieldKind.File ? null
                    : ReferenceEquals(f, wrong) ? WrongForm(f, random)
                    : "\u0001MARK\u0001");
                var bytes = Encoding.UTF8.GetBytes(
                    text.Replace("%01MARK%01", "%FF%FE%C3%28", StringComparison.Ordinal)
                );
                return random.Next(2) == 0 ? (bytes, form) : ([.. bytes, .. "&raw="u8.ToArray(), 0xFF, 0xC0], form);
            }
            case MalformedCase.BogusFields:
            {
                var target = Pick(fields, random, f => f.Kind != FieldKind.Text) ?? Pick(fields, random);
                var text = Form(fields, target, f => WrongForm(f, random));
                return (Encoding.UTF8.GetBytes(text + "&__proto__%5Badmin%5D=true&%00=%00&bogus=1&=&&"), form);
            }
            case MalformedCase.DuplicateKeys:
            {
                var target = Pick(fields, random, f => f.Kind != FieldKind.Text) ?? Pick(fields, random)!;
                var pair = $"{Uri.EscapeDataString(target.Name)}={Uri.EscapeDataString(WrongForm(target, random))}";
                var text = Form(fields, null, _ => null);
                return ( // The form's first value of a field is the one bound: the broken one goes first.
                    Encoding.UTF8.GetBytes(random.Next(2) == 0 ? $"{pair}&{text}" : $"{pair}&{text}&{pair}"),
                    form
                );
            }
        }
        var chosen = ChosenFor(@case, fields, random);
        if (fields.Any(f => f.Kind == FieldKind.File))
            return Multipart(fields, chosen, f => FormValueOf(f, @case, random), random);
        return (Encoding.UTF8.GetBytes(Form(fields, chosen, f => FormValueOf(f, @case, random))), form);
    }

    private static (byte[], string?) Multipart(
        IReadOnlyList<InputField> fields,
        InputField? target,
        Func<InputField, string?> broken,
        Random random
    )
    {
        var boundary = "fuzz" + random.Next(1000);
        var builder = new StringBuilder();
        foreach (var field in fields)
        {
            var value = ReferenceEquals(field, target) ? broken(field) ?? "" : FormPlaceholder(field);
            var file = field.Kind == FieldKind.File ? "; filename=\"x\\u0000.tar.gz\"" : "";
            builder.Append(
                $"--{boundary}\r\nContent-Disposition: form-data; name=\"{field.Name}\"{file}\r\n\r\n{value}\r\n"
            );
        }
        builder.Append($"--{boundary}--\r\n");
        return (Encoding.UTF8.GetBytes(builder.ToString()), $"multipart/form-data; boundary={boundary}");
    }

    private static string Form(IEnumerable<InputField> fields, InputField? target, Func<InputField, string?> broken) =>
        string.Join(
            "&",
            fields
                .Where(f => f.Kind != FieldKind.File)
                .Select(f =>
                    $"{Uri.EscapeDataString(f.Name)}="
                    + Uri.EscapeDataString(
                        (ReferenceEquals(f, target) || target is null ? broken(f) : null) ?? FormPlaceholder(f)
                    )
                )
        );

    private static string FormPlaceholder(InputField field) =>
        field.Kind switch
        {
            FieldKind.Text => "fuzz",
            FieldKind.Integer or FieldKind.Number => "1",
            FieldKind.Boolean => "false",
            FieldKind.Identifier => "00000000-0000-0000-0000-000000000001",
            FieldKind.Moment => "2026-01-01T00:00:00Z",
            FieldKind.Choice => "NoSuchChoice",
            _ => "",
        };

    private static string FormValue(InputField field, MalformedCase @case, Random random) =>
        FormValueOf(field, @case, random) ?? FormPlaceholder(field);

    private static string? FormValueOf(InputField field, MalformedCase @case, Random random) =>
        @case switch
        {
            MalformedCase.HugeString => new string('x', Megabyte),
            MalformedCase.ControlCharacters => random.Next(2) == 0 ? "a\u0000b" : "a\u0001\u0007\u001b[2J\u007f\u2028",
            MalformedCase.HugeNumbers => field.Kind == FieldKind.Text ? "99999999999999999999999999Gi"
            : random.Next(2) == 0 ? "99999999999999999999999999999999"
            : "1e400",
            MalformedCase.NegativeNumbers => field.Kind == FieldKind.Text ? "-5Gi"
            : random.Next(2) == 0 ? "-1"
            : "-2147483649",
            _ => WrongForm(field, random),
        };

    private static string WrongForm(InputField field, Random random) =>
        field.Kind switch
        {
            FieldKind.Integer => random.Next(3) switch
            {
                0 => "twelve",
                1 => "1.5",
                _ => "0x10",
            },
            FieldKind.Number => random.Next(3) switch
            {
                0 => "one",
                1 => "NaN",
                _ => "Infinity",
            },
            FieldKind.Boolean => random.Next(2) == 0 ? "maybe" : "2",
            FieldKind.Identifier => "not-a-guid",
            FieldKind.Choice => random.Next(2) == 0 ? "NoSuchChoice" : "999",
            FieldKind.Moment => "yesterday",
            _ => "a\u0000b",
        };

    /// <summary>
    /// A number, or text that holds an amount (a CPU or memory quantity, a count, a size): "-5Gi" and
    /// "99999999999999999999999999Gi" are malformed there, where in a display name they are only text.
    /// </summary>
    private static bool Numeric(InputField field) =>
        field.Kind is FieldKind.Integer or FieldKind.Number
        || (
            field.Kind == FieldKind.Text
            && System.Text.RegularExpressions.Regex.IsMatch(
                field.Name,
                "cpu|memory|storage|pods|replicas|size|count|port|overcommit|instances|minutes",
                System.Text.RegularExpressions.RegexOptions.IgnoreCase
            )
        );

    private static IEnumerable<InputField> Flatten(IEnumerable<InputField> fields) =>
        fields.SelectMany(f => f.Kind == FieldKind.Group ? Flatten(f.Fields) : [f]);

    private static InputField? Pick(
        IReadOnlyList<InputField> fields,
        Random random,
        Func<InputField, bool>? where = null
    )
    {
        var candidates = Flatten(fields).Where(where ?? (_ => true)).ToList();
        return candidates.Count == 0 ? null : candidates[random.Next(candidates.Count)];
    }
}
