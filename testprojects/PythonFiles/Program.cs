using System.Diagnostics;

// Runs in the image: the versions pip installed.
var start = new ProcessStartInfo("python3") { RedirectStandardOutput = true };
start.ArgumentList.Add("-c");
start.ArgumentList.Add("import importlib.metadata as m; print(' '.join(n + '=' + m.version(n) for n in ('imgt-colors', 'imgt-greeting')))");
using var process = Process.Start(start)!;
Console.WriteLine("python: " + process.StandardOutput.ReadToEnd().Trim());
process.WaitForExit();
