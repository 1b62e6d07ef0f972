package dev.agentwarden.core.scan.injection;

import static dev.agentwarden.core.scan.injection.Family.EMBEDDED_REQUEST;
import static dev.agentwarden.core.scan.injection.Family.EXFILTRATION;
import static dev.agentwarden.core.scan.injection.Family.INSTRUCTION_OVERRIDE;
import static dev.agentwarden.core.scan.injection.Family.PROMPT_EXTRACTION;
import static dev.agentwarden.core.scan.injection.Family.ROLE_PLAY;
import static dev.agentwarden.core.scan.injection.Family.TOOL_HIJACK;

import java.util.List;
import java.util.Map;

/**
 * The injection patterns. They run on normalised text (NFKC, invisible characters removed,
 * lookalikes folded), one sentence at a time. Weights are the evidence one match gives; a
 * sentence's score combines its matches as independent evidence.
 */
final class PatternCatalog {
  private PatternCatalog() {}

  private static final String TARGETS =
      "(?:instructions?|instruction set|prompts?|directions?|directives?|rules?|commands?|orders?|guidelines?"
          + "|context|assignments?|tasks?|messages?|text|everything|conversation|information|constraints?"
          + "|programming|restrictions?|training|filters?|policies|polic(?:y|ies)|thoughts?|input)";
  private static final String EARLIER =
      "(?:all|any|every|the|your|my|these|those|previous|prior|above|earlier|preceding|former|initial|original"
          + "|foregoing|past|old|existing|other|following)";
  private static final String DROP =
      "(?:ignore|disregard|forget|skip|overlook|abandon|bypass|override|neglect|discard|dismiss|drop|erase|delete|clear|reset)";

  static final List<InjectionPattern> SENTENCE =
      List.of(
          // ---- instruction override, English
          InjectionPattern.of("override-ignore-previous", INSTRUCTION_OVERRIDE, 0.9,
              "\\b" + DROP + "\\b[^.!?\\n]{0,40}?\\b" + EARLIER + "\\b[^.!?\\n]{0,40}?\\b" + TARGETS + "\\b"),
          InjectionPattern.of("override-forget-everything", INSTRUCTION_OVERRIDE, 0.8,
              "\\b(?:forget|ignore|disregard)\\s+(?:about\\s+)?(?:everything|all(?:\\s+of)?\\s+(?:that|this|it|the above)|what\\s+(?:i|you|we)\\s+(?:said|told|discussed))"),
          InjectionPattern.of("override-ignore-target", INSTRUCTION_OVERRIDE, 0.75,
              "\\b(?:ignore|disregard)\\b[^.!?\\n]{0,30}\\b(?:instructions?|rules?|guidelines?|system prompt|prompting|programming)\\b"),
          InjectionPattern.of("override-irrelevant", INSTRUCTION_OVERRIDE, 0.85,
              "\\b(?:previous|prior|preceding|above|earlier)\\b[^.!?\\n]{0,40}\\b(?:is|are|was|were|be|become)\\s+(?:now\\s+)?(?:irrelevant|void|invalid|obsolete|cancell?ed|wrong|outdated|fake|null)"),
          InjectionPattern.of("override-new-instructions", INSTRUCTION_OVERRIDE, 0.8,
              "\\byour\\s+(?:new\\s+)?(?:instructions?|task|orders?|directives?)\\s+(?:are|is)\\s+now\\b"),
          InjectionPattern.of("override-new-task", INSTRUCTION_OVERRIDE, 0.45,
              "\\b(?:new|next|real|actual|true)\\s+(?:task|instructions?|assignment|rules?|objective|mission|challenge)\\b"),
          InjectionPattern.of("override-now-focus", INSTRUCTION_OVERRIDE, 0.45,
              "\\b(?:now|from now on|instead|but then)\\b[^.!?\\n]{0,25}\\b(?:focus on|concentrate on|listen to|your (?:new )?task|you (?:will|must|shall|should|have to) (?:only )?(?:answer|respond|reply|say|act|output|write|do))\\b"),
          InjectionPattern.of("override-just-say", INSTRUCTION_OVERRIDE, 0.4,
              "\\b(?:just|only|simply)\\s+(?:say|print|output|write|respond with|reply with|answer with|type)\\b"),
          InjectionPattern.of("override-say-exactly", INSTRUCTION_OVERRIDE, 0.4,
              "\\b(?:say|print|output|write|respond with|reply with)\\b[^.!?\\n]{0,40}\\b(?:and nothing else|and only|verbatim)\\b"),
          InjectionPattern.of("override-stop", INSTRUCTION_OVERRIDE, 0.45,
              "\\b(?:stop|cease)\\b[^.!?\\n]{0,15}\\b(?:everything|what you are doing|all previous)\\b"),
          InjectionPattern.of("override-do-not-follow", INSTRUCTION_OVERRIDE, 0.6,
              "\\b(?:do not|don't|never)\\s+(?:follow|obey|listen to|adhere to|comply with)\\b[^.!?\\n]{0,30}\\b(?:instructions?|rules?|guidelines?|developers?|openai|system)\\b"),
          InjectionPattern.of("override-well-done", INSTRUCTION_OVERRIDE, 0.3,
              "\\b(?:well done|great job|good job|that was (?:ok|good|great)|excellent work|you did it (?:really )?(?:great|well))\\b"),
          // ---- instruction override, other languages
          InjectionPattern.of("override-de", INSTRUCTION_OVERRIDE, 0.9,
              "(?U)\\b(?:vergiss|vergessen sie|ignoriere|ignorieren sie|missachte|missachten sie|übergehe)\\b[^.!?\\n]{0,40}\\b(?:alles|alle|vorherigen?|bisherigen?|vorangegangenen?|obigen?|anweisungen|aufträge|aufgaben|instruktionen|befehle|regeln|gesagte)\\b"),
          InjectionPattern.of("override-de-deviating", INSTRUCTION_OVERRIDE, 0.85,
              "(?U)\\b(?:abweichend (?:zu|von) (?:den )?(?:vorherigen|bisherigen)|bisherigen (?:informationen|anweisungen)[^.!?\\n]{0,40}irrelevant|neue aufgabe|nun bist du|jetzt bist du|du bist (?:jetzt|nun|ab sofort))"),
          InjectionPattern.of("override-de-pretend", ROLE_PLAY, 0.45,
              "(?U)\\b(?:stell dir vor,? du bist|tu so,? als|du bist kein|spiele die rolle|ich möchte, dass sie als|ich möchte, dass du als|agieren sie als|fungieren)\\b"),
          InjectionPattern.of("override-es", INSTRUCTION_OVERRIDE, 0.9,
              "(?U)\\b(?:olvida|olvide|olvidá|olviden|ignora|ignore|ignoren|descarta)\\b[^.!?\\n]{0,40}\\b(?:todo|todas?|anteriores?|instrucciones|previas?|lo que)\\b"),
          InjectionPattern.of("override-fr", INSTRUCTION_OVERRIDE, 0.9,
              "(?U)\\b(?:oublie[zs]?|ignore[zs]?|ne tiens pas compte)\\b[^.!?\\n]{0,40}\\b(?:tout|toutes?|précédentes?|instructions|consignes|ce qui)\\b"),
          InjectionPattern.of("override-it", INSTRUCTION_OVERRIDE, 0.9,
              "(?U)\\b(?:dimentica|dimenticate|ignora|ignorate)\\b[^.!?\\n]{0,40}\\b(?:tutto|tutte|precedenti|istruzioni)\\b"),
          InjectionPattern.of("override-pt", INSTRUCTION_OVERRIDE, 0.9,
              "(?U)\\b(?:esqueça|esqueca|esqueçam|ignore|ignorem)\\b[^.!?\\n]{0,40}\\b(?:tudo|todas|anteriores|instruções|instrucoes)\\b"),
          InjectionPattern.of("override-nl", INSTRUCTION_OVERRIDE, 0.9,
              "(?U)\\b(?:vergeet|negeer)\\b[^.!?\\n]{0,40}\\b(?:alles|alle|vorige|eerdere|instructies)\\b"),
          InjectionPattern.of("override-ru", INSTRUCTION_OVERRIDE, 0.9,
              "(?U)(?:забудь(?:те)?|игнорируй(?:те)?|проигнорируй(?:те)?|не обращай(?:те)? внимания)[^.!?\\n]{0,40}(?:все|всё|предыдущие|инструкции|указания|правила)"),
          InjectionPattern.of("override-zh", INSTRUCTION_OVERRIDE, 0.9,
              "(?:忽略|忽视|无视|忘记|忘掉|不要理会|忽略掉)[^。！？\\n]{0,20}(?:指令|指示|说明|规则|提示|要求|内容|一切)"),
          InjectionPattern.of("override-ja", INSTRUCTION_OVERRIDE, 0.9,
              "(?:以前|前|これまで|上記)の(?:指示|命令|ルール|指令)を(?:無視|忘れ)"),
          InjectionPattern.of("override-ko", INSTRUCTION_OVERRIDE, 0.9,
              "(?:이전|모든|앞의)\\s*(?:지시|명령|지침|규칙)[^.\\n]{0,10}(?:무시|잊)"),
          // ---- role play and jailbreaks
          InjectionPattern.of("roleplay-mode-enabled", ROLE_PLAY, 0.85,
              "\\b(?:dan|developer|dev|jailbreak|god|evil|unrestricted|unfiltered|opposite|chaos|sudo|admin|debug|maintenance)\\s+mode\\b"),
          InjectionPattern.of("roleplay-no-restrictions", ROLE_PLAY, 0.8,
              "\\b(?:no|without(?: any)?|free (?:of|from)(?: all)?|freed from|broken free of|not bound by|no longer bound by|unbound by|ignores? all)\\s+(?:the\\s+)?(?:typical\\s+)?(?:ethical|moral|content|safety)?\\s*(?:restrictions|limitations|filters|censorship|guidelines|rules|constraints|confines|boundaries|policies)\\b"),
          InjectionPattern.of("roleplay-amoral", ROLE_PLAY, 0.7,
              "\\b(?:amoral|unethical|unfiltered|uncensored|immoral|jailbroken|jailbreak|never refuses?|no morals|without morals|doesn't care about (?:ethics|morality|legality))\\b"),
          InjectionPattern.of("roleplay-do-anything", ROLE_PLAY, 0.85,
              "\\b(?:do anything now|can do anything|anything and everything|answer any (?:question|request)|never (?:say|said) no|will never refuse)\\b"),
          InjectionPattern.of("roleplay-stay-in-character", ROLE_PLAY, 0.6,
              "\\b(?:stay(?:s)? in character|break(?:s|ing)? character|remain in character|immerse yourself|fully immersed|completely absorbed in (?:your|the) role)\\b"),
          InjectionPattern.of("roleplay-you-are-now", ROLE_PLAY, 0.55,
              "\\byou are (?:now|no longer|going to (?:act|pretend|play|be)|about to (?:immerse|become|play))\\b"),
          InjectionPattern.of("roleplay-from-now-on", ROLE_PLAY, 0.4, "\\bfrom now on\\b"),
          InjectionPattern.of("roleplay-act-as", ROLE_PLAY, 0.35,
              "\\b(?:act|acting|pretend|behave|respond|roleplay|role-play|play the role of|take on the role of|simulate|emulate|impersonate)\\s+(?:to be\\s+|as\\s+|like\\s+)"),
          InjectionPattern.of("roleplay-policy", ROLE_PLAY, 0.6,
              "\\b(?:openai|anthropic|content|usage|safety)\\s+(?:policy|policies|guidelines|filters?)\\b"),
          InjectionPattern.of("roleplay-bypass-safety", ROLE_PLAY, 0.75,
              "\\b(?:bypass|circumvent|evade|disable|violate|break|ignore)\\b[^.!?\\n]{0,30}\\b(?:polic(?:y|ies)|guidelines|safety|filters?|ethics|restrictions|safeguards|censorship)\\b"),
          InjectionPattern.of("roleplay-dual-response", ROLE_PLAY, 0.75,
              "\\b(?:two|2) (?:different |separate )?(?:responses|answers|paragraphs|outputs)\\b[^\\n]{0,120}\\b(?:normal|classic|jailbreak|dan|developer|unfiltered|opposite)\\b"),
          InjectionPattern.of("roleplay-hypothetical", ROLE_PLAY, 0.3,
              "\\b(?:hypothetical|fictional|imaginary) (?:story|scenario|world|response|setting|ai)\\b"),
          InjectionPattern.of("roleplay-rules-block", ROLE_PLAY, 0.5,
              "\\b(?:rules|persona|character)\\s*=\\s*\\{"),
          InjectionPattern.of("roleplay-model-persona", ROLE_PLAY, 0.6,
              "\\b(?:ai|language model|chatbot|assistant|chatgpt|gpt)\\b[^.!?\\n]{0,40}\\b(?:named|called|known as)\\b"),
          InjectionPattern.of("roleplay-you-are-x", ROLE_PLAY, 0.35,
              "^\\W*(?:you are|you're|du bist|tu es|eres|sei)\\s+(?!(?:a|an) (?:helpful|expert|experienced|knowledgeable)\\b)[^.!?\\n]{2,40}[.!]"),
          InjectionPattern.of("roleplay-interpreter", TOOL_HIJACK, 0.6,
              "\\bact as (?:a |an )?(?:python|linux|bash|sql|javascript|unix|windows)?\\s*(?:interpreter|terminal|shell|console|command line)\\b"),
          // ---- system prompt extraction
          InjectionPattern.of("extract-system-prompt", PROMPT_EXTRACTION, 0.85,
              "\\b(?:reveal|show|print|display|repeat|output|tell me|give me|share|leak|dump|list|write out|spell out|recite|provide|return|what (?:is|are|was|were))\\b[^.!?\\n]{0,40}\\b(?:system prompt|system message|system instructions|initial (?:prompt|instructions)|original (?:prompt|instructions)|hidden (?:prompt|instructions)|secret (?:prompt|instructions)|your (?:instructions|prompt|rules|guidelines|configuration|directives)|prompt text|pre-?prompt|the (?:text|words|instructions|prompt) above|everything above|above (?:text|prompt|instructions))"),
          InjectionPattern.of("extract-verbatim", PROMPT_EXTRACTION, 0.6,
              "\\b(?:repeat|recite|print|copy)\\b[^.!?\\n]{0,40}\\b(?:verbatim|word for word|exactly as (?:written|given))\\b"),
          InjectionPattern.of("extract-before", PROMPT_EXTRACTION, 0.45,
              "\\b(?:sentences?|words?|text|lines?) (?:before|above|preceding)\\b[^.!?\\n]{0,30}\\b(?:this|the text|my message|these)\\b"),
          InjectionPattern.of("extract-de", PROMPT_EXTRACTION, 0.8,
              "(?U)\\b(?:zeige?|gib|nenne|wiederhole|verrate)\\b[^.!?\\n]{0,40}\\b(?:deinen|deine|den|die|alle) (?:prompt|prompt-?texte?|systemprompt|anweisungen|instruktionen)"),
          InjectionPattern.of("extract-zh", PROMPT_EXTRACTION, 0.8,
              "(?:显示|输出|告诉我|打印|重复)[^。！？\\n]{0,15}(?:系统提示|系统指令|初始指令|提示词)"),
          // ---- tool hijacking and forged roles
          InjectionPattern.of("tool-destructive", TOOL_HIJACK, 0.65,
              "\\b(?:delete|erase|wipe|drop|destroy|remove)\\b[^.!?\\n]{0,30}\\b(?:all|every|the entire)\\b[^.!?\\n]{0,30}\\b(?:files|data|emails|records|database|repositor(?:y|ies)|accounts?|users|backups)\\b"),
          InjectionPattern.of("tool-invoke", TOOL_HIJACK, 0.6,
              "\\b(?:call|invoke|use|run|execute|trigger)\\b[^.!?\\n]{0,30}\\b(?:tool|function|plugin|api|command)\\b[^.!?\\n]{0,60}\\b(?:delete|transfer|send|email|forward|wire|pay|drop|rm -rf|shutdown|grant|approve)\\b"),
          InjectionPattern.of("tool-forged-role", TOOL_HIJACK, 0.8,
              "<\\|?(?:im_start|im_end|system|endoftext|start_header_id|eot_id)\\|?>|\\[/?inst\\]|<<sys>>|(?m)^\\s*#{0,3}\\s*(?:system|assistant)\\s*(?:message|prompt)?\\s*:"),
          InjectionPattern.of("tool-call-json", TOOL_HIJACK, 0.5,
              "[\"'](?:tool_calls?|function_call)[\"']\\s*:"),
          InjectionPattern.of("tool-execute-following", TOOL_HIJACK, 0.5,
              "\\b(?:execute|run|eval)\\b[^.!?\\n]{0,20}\\b(?:the following|this|these) (?:command|code|script|commands)\\b"),
          InjectionPattern.of("tool-important-update", TOOL_HIJACK, 0.45,
              "\\b(?:important|urgent|attention|notice)\\s*(?:update|instruction|message|note)?\\s*[:!]\\s*(?:you|ai|assistant|the assistant|model)\\b"),
          // ---- exfiltration
          InjectionPattern.of("exfil-markdown-image", EXFILTRATION, 0.8,
              "!\\[[^\\]]{0,100}\\]\\(\\s*https?://[^)\\s]{1,300}[?&][^)\\s=]{1,50}=[^)\\s]{0,200}\\)"),
          InjectionPattern.of("exfil-markdown-template", EXFILTRATION, 0.8,
              "\\]\\(\\s*https?://[^)\\s]{0,200}(?:\\{|\\$\\{|%7b|<)[^)\\s]{0,100}\\)"),
          InjectionPattern.of("exfil-send-to", EXFILTRATION, 0.75,
              "\\b(?:send|email|e-mail|forward|post|upload|transmit|exfiltrate|leak|share|deliver)\\b[^.!?\\n]{0,80}\\b(?:to|at)\\b\\s*(?:https?://|www\\.|[\\w.+-]+@[\\w-]+\\.[\\w.]+)"),
          InjectionPattern.of("exfil-private-data", EXFILTRATION, 0.45,
              "\\b(?:conversation history|chat history|previous messages|(?:user'?s?|their|customer) (?:data|conversation|passwords?|credentials|emails?|api keys?|personal information)|all (?:the )?(?:passwords|credentials|api keys|secrets))\\b"),
          InjectionPattern.of("exfil-fetch-url", EXFILTRATION, 0.4,
              "\\b(?:visit|go to|open|click|download|fetch|browse to|navigate to)\\b[^.!?\\n]{0,60}(?:https?://|www\\.)"),
          // ---- requests addressed to the assistant
          InjectionPattern.of("addressed-your-response", EMBEDDED_REQUEST, 0.45,
              "\\b(?:in|to|into|throughout|within|at the end of|when writing) your (?:response|reply|answer|output|summary|responses|replies|answers)\\b|\\byour (?:response|reply|answer)'s\\b"),
          InjectionPattern.of("addressed-de", EMBEDDED_REQUEST, 0.4,
              "(?U)\\b(?:formuliere|schreibe|beantworte|antworte|übersetze|erkläre)\\b[^.!?\\n]{0,60}(?:unwahre|falsche|im stile)"));

  /** Patterns matched on the original text, case-sensitively (names used as persona tags). */
  static final List<InjectionPattern> RAW =
      List.of(
          InjectionPattern.caseSensitive("roleplay-persona-name", ROLE_PLAY, 0.5,
              "\\b(?:DAN|STAN|DUDE|AIM|AntiGPT|BetterDAN|BasedGPT|DevMode|UCAR|APOPHIS|Mongo Tom|KEVIN|NRAF|BH|JailBreak)\\b(?=[\\s:,.'\"!)])"),
          InjectionPattern.caseSensitive("roleplay-shouted-override", INSTRUCTION_OVERRIDE, 0.5,
              "\\b(?:IGNORE|FORGET|DISREGARD|STOP)\\b[A-Z ,]{3,60}\\b(?:INSTRUCTIONS?|EVERYTHING|RULES|PROMPT|OUTPUT|SAY)\\b"),
          InjectionPattern.caseSensitive("roleplay-bracket-tag", ROLE_PLAY, 0.6,
              "\\[(?:🔓|🔒)?\\s*(?:JAILBREAK|CLASSIC|DAN|Developer Mode|🔓JAILBREAK|🔒CLASSIC)[^\\]]{0,20}\\]"));

  /** Markers of a document or e-mail (where a request to the assistant does not belong). */
  static final java.util.regex.Pattern DOCUMENT_MARKERS =
      java.util.regex.Pattern.compile(
          "(?m)(?:SUBJECT:|EMAIL_FROM:|RECEIVED DATE:|CONTENT:|^From:\\s|^Subject:\\s|^To:\\s|^Hi [A-Z][a-z]+\\s?,|^Dear [A-Z])");

  /** A sentence that asks or orders something of the reader (the assistant). */
  static final java.util.regex.Pattern IMPERATIVE =
      java.util.regex.Pattern.compile(
          "(?im)^\\s*(?:please\\s+)?(?:add|include|integrate|insert|append|enhance|draft|write|compose|create|generate|summari[sz]e|translate|explain|describe|list|answer|respond|reply|scramble|convert|rewrite|format|use|provide|tell|give|make|mention|end|begin|start|recommend|suggest|promote|encourage|advise|urge|ask|invite|what is|what are|how do|how can|can you|could you|would you|identify|calculate|analy[sz]e|find|show|output|print|remind|direct|redirect|emphasi[sz]e|incorporate|conclude|sign)\\b[^\\n]{3,200}[.?!:]?\\s*$");

  /** Words a decoded payload must contain before it counts as an instruction. */
  static final java.util.regex.Pattern DECODED_TRIGGER =
      java.util.regex.Pattern.compile(
          "(?i)\\b(?:ignore|disregard|forget|instructions?|system prompt|reveal|password|secret|send|exfiltrate|execute|delete|jailbreak|you are now|pretend)\\b");

  /**
   * For each pattern, lower-case words of which at least one must occur in the text before the
   * pattern is worth running (a pattern without an entry always runs). This keeps the cost of a
   * clean 4 KB message to one keyword pass instead of one regex pass per pattern.
   */
  static final Map<String, String> TRIGGERS =
      Map.ofEntries(
          Map.entry("override-ignore-previous", "ignor,disregard,forget,skip,overlook,abandon,bypass,overrid,neglect,discard,dismiss,drop,erase,delete,clear,reset"),
          Map.entry("override-forget-everything", "forget,ignor,disregard"),
          Map.entry("override-ignore-target", "ignor,disregard"),
          Map.entry("override-irrelevant", "previous,prior,preceding,above,earlier"),
          Map.entry("override-new-instructions", "your"),
          Map.entry("override-new-task", "task,instruction,assignment,rule,objective,mission,challenge"),
          Map.entry("override-now-focus", "now,instead,but then"),
          Map.entry("override-just-say", "just,only,simply"),
          Map.entry("override-say-exactly", "nothing else,and only,verbatim"),
          Map.entry("override-stop", "stop,cease"),
          Map.entry("override-do-not-follow", "follow,obey,listen to,adhere,comply"),
          Map.entry("override-well-done", "well done,great job,good job,that was,excellent work,you did it"),
          Map.entry("override-de", "vergiss,vergessen,ignorier,missacht,übergeh"),
          Map.entry("override-de-deviating", "abweichend,bisherigen,neue aufgabe,nun bist du,jetzt bist du,du bist"),
          Map.entry("override-de-pretend", "stell dir vor,tu so,du bist kein,rolle,dass sie als,dass du als,agieren sie,fungieren"),
          Map.entry("override-es", "olvid,ignor,descarta"),
          Map.entry("override-fr", "oubli,ignor,tiens pas compte"),
          Map.entry("override-it", "dimentic,ignora"),
          Map.entry("override-pt", "esqueç,esquec,ignor"),
          Map.entry("override-nl", "vergeet,negeer"),
          Map.entry("override-ru", "забуд,игнорир,проигнорир,не обращай"),
          Map.entry("override-zh", "忽略,忽视,无视,忘记,忘掉,不要理会"),
          Map.entry("override-ja", "無視,忘れ"),
          Map.entry("override-ko", "무시,잊"),
          Map.entry("roleplay-mode-enabled", "mode"),
          Map.entry("roleplay-no-restrictions", "restriction,limitation,filter,censorship,guideline,rule,constraint,confine,boundar,polic"),
          Map.entry("roleplay-amoral", "amoral,unethical,unfiltered,uncensored,immoral,jailbr,refuse,moral,care about"),
          Map.entry("roleplay-do-anything", "anything,never say,never said,never refuse,answer any"),
          Map.entry("roleplay-stay-in-character", "character,immerse,immersed,absorbed"),
          Map.entry("roleplay-you-are-now", "you are"),
          Map.entry("roleplay-from-now-on", "from now on"),
          Map.entry("roleplay-act-as", "act,pretend,behave,respond,roleplay,role-play,role of,simulat,emulat,impersonat"),
          Map.entry("roleplay-policy", "policy,policies,guideline,filter"),
          Map.entry("roleplay-bypass-safety", "bypass,circumvent,evade,disable,violate,break,ignor"),
          // The noun the pattern requires, not the far more common number before it.
          Map.entry("roleplay-dual-response", "responses,answers,paragraphs,outputs"),
          Map.entry("roleplay-hypothetical", "hypothetical,fictional,imaginary"),
          Map.entry("roleplay-rules-block", "="),
          Map.entry("roleplay-model-persona", "named,called,known as"),
          Map.entry("roleplay-you-are-x", "you are,you're,du bist,tu es,eres,sei "),
          Map.entry("roleplay-interpreter", "act as"),
          Map.entry("extract-system-prompt", "prompt,system message,system instruction,instruction,your rules,guideline,configuration,directive,above"),
          Map.entry("extract-verbatim", "verbatim,word for word,exactly as"),
          Map.entry("extract-before", "before,above,preceding"),
          Map.entry("extract-de", "prompt,anweisung,instruktion"),
          Map.entry("extract-zh", "系统提示,系统指令,初始指令,提示词"),
          Map.entry("tool-destructive", "delete,erase,wipe,drop,destroy,remove"),
          Map.entry("tool-invoke", "tool,function,plugin,api,command"),
          Map.entry("tool-forged-role", "im_start,im_end,<|,inst],<<sys,system,assistant,endoftext,header_id,eot_id"),
          Map.entry("tool-call-json", "tool_call,function_call"),
          Map.entry("tool-execute-following", "execute,run,eval"),
          Map.entry("tool-important-update", "important,urgent,attention,notice"),
          Map.entry("exfil-markdown-image", "]("),
          Map.entry("exfil-markdown-template", "]("),
          Map.entry("exfil-send-to", "http,www.,@"),
          Map.entry("exfil-private-data", "history,previous messages,data,conversation,password,credential,email,e-mail,api key,personal information,secret"),
          Map.entry("exfil-fetch-url", "http,www."),
          Map.entry("addressed-your-response", "your"),
          Map.entry("addressed-de", "formulier,schreib,beantwort,antworte,übersetz,erklär"),
          Map.entry("roleplay-persona-name", "dan,stan,dude,aim,antigpt,basedgpt,devmode,ucar,apophis,mongo tom,kevin,nraf,bh,jailbreak"),
          Map.entry("roleplay-shouted-override", "ignore,forget,disregard,stop"),
          Map.entry("roleplay-bracket-tag", "jailbreak,classic,dan],developer mode"));
}
