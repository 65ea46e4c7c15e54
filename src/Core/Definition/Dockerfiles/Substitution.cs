using System.Text;
using System.Text.RegularExpressions;

namespace ImageTasks.Definition.Dockerfiles;

/// <summary>A variable substitution Docker refuses (an unset ${X:?}, a missing '}', an unknown modifier).</summary>
public sealed class SubstitutionException(string message) : Exception(message);

/// <summary>
/// Variable substitution in one word as Docker's shell lexer does it (buildkit frontend/dockerfile/shell): quotes are
/// removed ('...' literal, "..." with substitution and the escapes \" \$ \\), the escape character makes the next
/// character literal, and <c>$NAME</c>, <c>${NAME}</c>, <c>${NAME:-word}</c>, <c>${NAME-word}</c>, <c>${NAME:+word}</c>,
/// <c>${NAME+word}</c>, <c>${NAME:?message}</c>, <c>${NAME?message}</c>, <c>${NAME#pattern}</c>, <c>${NAME##pattern}</c>,
/// <c>${NAME%pattern}</c> and <c>${NAME%%pattern}</c> are replaced. An unset variable is empty.
/// </summary>
public sealed class Substitution
{
    readonly string _text;
    readonly Func<string, string?> _lookup;
    readonly char _escape;
    int _at;

    Substitution(string text, Func<string, string?> lookup, char escape)
    {
        _text = text;
        _lookup = lookup;
        _escape = escape;
    }

    /// <param name="lookup">A variable's value, or null when it is not set.</param>
    /// <exception cref="SubstitutionException">The word is not valid (see the class summary).</exception>
    public static string Expand(string word, Func<string, string?> lookup, char escape = '\\')
    {
        var s = new Substitution(word, lookup, escape);
        var (result, _) = s.ReadUntil(null);
        return result;
    }

    /// <summary>Expands with a list of NAME=value entries (the later of two equal names wins).</summary>
    public static string Expand(string word, IEnumerable<KeyValuePair<string, string>> variables, char escape = '\\')
    {
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, value) in variables) map[name] = value;
        return Expand(word, name => map.GetValueOrDefault(name), escape);
    }

    bool AtEnd => _at >= _text.Length;
    char Peek => _text[_at];

    /// <summary>Reads up to <paramref name="stop"/> (consumed) or the end; an unfound stop character is an error.</summary>
    (string Text, bool Stopped) ReadUntil(char? stop)
    {
        var result = new StringBuilder();
        while (!AtEnd)
        {
            var c = Peek;
            if (stop == c)
            {
                _at++;
                return (result.ToString(), true);
            }
            switch (c)
            {
                case '\'': result.Append(SingleQuoted()); continue;
                case '"': result.Append(DoubleQuoted()); continue;
                case '$': result.Append(Dollar()); continue;
            }
            _at++;
            if (c == _escape)
            {
                if (AtEnd) break; // a trailing escape character is dropped
                c = _text[_at++];
            }
            result.Append(c);
        }
        if (stop is not null) throw new SubstitutionException($"unexpected end of text while looking for the matching '{stop}'");
        return (result.ToString(), false);
    }

    string SingleQuoted()
    {
        _at++;
        var end = _text.IndexOf('\'', _at);
        if (end < 0) throw new SubstitutionException("unexpected end of text while looking for the matching single quote");
        var literal = _text[_at..end];
        _at = end + 1;
        return literal;
    }

    string DoubleQuoted()
    {
        _at++;
        var result = new StringBuilder();
        while (true)
        {
            if (AtEnd) throw new SubstitutionException("unexpected end of text while looking for the matching double quote");
            var c = Peek;
            if (c == '"')
            {
                _at++;
                return result.ToString();
            }
            if (c == '$')
            {
                result.Append(Dollar());
                continue;
            }
            _at++;
            if (c == _escape)
            {
                if (AtEnd) continue;
                // only these can be escaped inside double quotes; any other escape character stays
                if (Peek == '"' || Peek == '$' || Peek == _escape) c = _text[_at++];
            }
            result.Append(c);
        }
    }

    string Dollar()
    {
        _at++; // '$'
        if (AtEnd || Peek != '{')
        {
            var plain = Name();
            return plain.Length == 0 ? "$" : _lookup(plain) ?? "";
        }
        _at++; // '{'
        if (AtEnd) throw new SubstitutionException("missing '}'");
        if (Peek is '{' or '}' or ':') throw new SubstitutionException("bad substitution");
        var name = Name();
        if (AtEnd) throw new SubstitutionException("missing '}'");
        var value = _lookup(name);
        var op = _text[_at++];
        switch (op)
        {
            case '}':
                return value ?? "";
            case ':':
            {
                if (AtEnd) throw new SubstitutionException("missing '}'");
                var modifier = _text[_at++];
                var word = ReadUntil('}').Text;
                return modifier switch
                {
                    '-' => string.IsNullOrEmpty(value) ? word : value,
                    '+' => string.IsNullOrEmpty(value) ? "" : word,
                    '?' => string.IsNullOrEmpty(value)
                        ? throw new SubstitutionException($"{name}: {(word.Length > 0 ? word : value is null ? "is not allowed to be unset" : "is not allowed to be empty")}")
                        : value,
                    _ => throw new SubstitutionException($"unsupported modifier ':{modifier}' in ${{{name}...}}"),
                };
            }
            case '-' or '+':
            {
                var word = ReadUntil('}').Text;
                return op == '-' ? value ?? word : value is null ? "" : word;
            }
            case '?':
            {
                var message = ReadUntil('}').Text;
                return value ?? throw new SubstitutionException($"{name}: {(message.Length > 0 ? message : "is not allowed to be unset")}");
            }
            case '#' or '%':
            {
                var longest = !AtEnd && Peek == op;
                if (longest) _at++;
                var pattern = ReadUntil('}').Text;
                return RemoveAffix(value ?? "", pattern, prefix: op == '#', longest);
            }
            default:
                throw new SubstitutionException($"unsupported modifier '{op}' in ${{{name}...}}");
        }
    }

    /// <summary>A name: letters, digits and '_'; or a run of digits; or one special parameter character.</summary>
    string Name()
    {
        var start = _at;
        if (!AtEnd && char.IsDigit(Peek))
        {
            while (!AtEnd && char.IsDigit(Peek)) _at++;
            return _text[start.._at];
        }
        if (!AtEnd && "@*#?-$!".Contains(Peek))
        {
            _at++;
            return _text[start.._at];
        }
        while (!AtEnd && (char.IsLetterOrDigit(Peek) || Peek == '_')) _at++;
        return _text[start.._at];
    }

    /// <summary>${x#p}, ${x##p}, ${x%p}, ${x%%p}: removes the shortest (or longest) prefix (or suffix) matching a glob.</summary>
    static string RemoveAffix(string value, string pattern, bool prefix, bool longest)
    {
        var regex = new Regex("^" + Glob.ToRegex(pattern, crossesSlash: true) + "$", RegexOptions.CultureInvariant);
        var lengths = Enumerable.Range(0, value.Length + 1);
        if (longest) lengths = lengths.Reverse();
        foreach (var n in lengths)
        {
            var part = prefix ? value[..n] : value[(value.Length - n)..];
            if (regex.IsMatch(part)) return prefix ? value[n..] : value[..(value.Length - n)];
        }
        return value;
    }
}
