// Writes data.txt in its working directory from its arguments, the build environment, and whether the build secret
// MAKE_DATA_TOKEN reached it (as a variable and as a file), never the secret itself.
if (args.Contains("--fail"))
{
    Console.Error.WriteLine("MakeData fails as asked");
    return 7;
}
var greeting = args.SkipWhile(a => a != "--greeting").Skip(1).FirstOrDefault() ?? "(no greeting)";
var token = Environment.GetEnvironmentVariable("MAKE_DATA_TOKEN");
var file = File.Exists("/run/MAKE_DATA_TOKEN") ? File.ReadAllText("/run/MAKE_DATA_TOKEN") : null;
var secret = string.IsNullOrEmpty(token) ? "absent" : token == file ? "present" : "differs";
var mode = Environment.GetEnvironmentVariable("MAKE_DATA_MODE") ?? "unset";
File.WriteAllText("data.txt", $"{greeting}; secret {secret}; mode {mode}\n");
Console.WriteLine($"MakeData wrote {Path.GetFullPath("data.txt")}");
return 0;
