// Reads what the build-time function wrote.
var path = Environment.GetEnvironmentVariable("DATA_FILE") ?? "/srv/made/data.txt";
Console.WriteLine(File.Exists(path) ? File.ReadAllText(path).Trim() : "no data at " + path);
