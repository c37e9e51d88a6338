// EPUBCheck for the tests in one Java process: reads lines "EPUB<TAB>JSON-OUT" on standard input, checks each
// EPUB as `java -jar epubcheck.jar EPUB -q --json JSON-OUT` would, and answers "done CODE" on a line of its own.
// Started once per test process by tests/helpers/epubcheck.py: a JVM costs about a second each time it starts.

import com.adobe.epubcheck.tool.EpubChecker;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

public class EpubCheckServer {
    public static void main(String[] args) throws Exception {
        PrintStream answers = System.out;
        PrintStream errors = System.err;
        PrintStream quiet = new PrintStream(OutputStream.nullOutputStream());
        BufferedReader requests = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        String line;
        while ((line = requests.readLine()) != null) {
            String[] request = line.split("\t");
            int code;
            // EPUBCheck reports on the console as well: only the answers may reach standard output.
            System.setOut(quiet);
            System.setErr(quiet);
            try {
                code = new EpubChecker().run(new String[] {request[0], "-q", "--json", request[1]});
            } catch (Throwable error) {
                code = -1;
            } finally {
                System.setOut(answers);
                System.setErr(errors);
            }
            answers.println("done " + code);
            answers.flush();
        }
    }
}
